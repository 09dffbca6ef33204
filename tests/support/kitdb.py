"""A throwaway database holding only the event kit's tables, for in-process tests of `shared.*`.

The tables come from `shared.outbox.schema.create`, run through alembic's `Operations` on a plain
connection (no migration tree), so the indexes and the NOTIFY trigger are exactly the services'.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from deploy.local.stack import Infra
from shared.db import make_engine, make_session_factory
from shared.migrations import ensure_database, sync_url
from shared.outbox import schema


@dataclass
class KitDatabase:
    url: str  # asyncpg driver, for shared.db
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def listen_dsn(self) -> str:
        return self.url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_kit_tables(url: str, extra_sql: str = "") -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            schema.create(Operations(MigrationContext.configure(conn)))
            if extra_sql:
                conn.execute(text(extra_sql))
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    target = make_url(sync_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@asynccontextmanager
async def kit_database(infra: Infra, extra_sql: str = "") -> AsyncIterator[KitDatabase]:
    url = infra.database_url(f"kit_{uuid.uuid4().hex[:10]}")
    ensure_database(url)
    create_kit_tables(url, extra_sql)
    engine = make_engine(url, pool_size=4)
    try:
        yield KitDatabase(url, engine, make_session_factory(engine))
    finally:
        await engine.dispose()
        drop_database(url)
