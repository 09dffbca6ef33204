"""One in-process intake service for the package: its own database (migrated), its own topic
namespace on the session's Kafka, the real group committer, relay and consumer.

Callers: the demo ones, plus `tight` (1 request/s, burst 2) and `small` (2 KiB bodies) for the
limit tests and `importer` (64 MiB bodies) for bulk files. Each test client gets its own client address so the
per-address limit of the query-code lookup does not leak between tests.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka.errors import KafkaError
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.local.stack import Infra
from services.intake.bootstrap import MIGRATIONS, build_app
from services.intake.settings import IntakeSettings
from shared.db import make_engine
from shared.events.topics import set_namespace
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.settings import CallerConfig, demo_callers, token_hash
from tests.support.kitdb import drop_database

TIGHT_TOKEN = "tight-limits-token"
SMALL_TOKEN = "small-bodies-token"
IMPORTER_TOKEN = "bulk-importer-token"
_addresses = itertools.count(1)


@dataclass
class Intake:
    app: FastAPI
    settings: IntakeSettings
    database_url: str
    namespace: str
    bootstrap: str
    engine: AsyncEngine

    def client(self, token: str | None = "demo-hotline-token") -> httpx.AsyncClient:
        n = next(_addresses)
        transport = httpx.ASGITransport(app=self.app, client=(f"10.0.{n // 250}.{n % 250 + 1}", 40000))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(transport=transport, base_url="http://intake", headers=headers, timeout=60)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(sa.text(sql), params)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())


def test_callers() -> list[CallerConfig]:
    return [
        *demo_callers(),
        CallerConfig(
            name="tight",
            token_sha256=token_hash(TIGHT_TOKEN),
            scopes=["complaints:write", "complaints:read"],
            rate_per_second=1.0,
            burst=2,
            max_body_bytes=2048,
        ),
        CallerConfig(
            name="small",
            token_sha256=token_hash(SMALL_TOKEN),
            scopes=["complaints:write", "complaints:read"],
            max_body_bytes=2048,
        ),
        CallerConfig(
            name="importer",
            token_sha256=token_hash(IMPORTER_TOKEN),
            scopes=["complaints:write", "complaints:read"],
            rate_per_second=100,
            burst=100,
            max_body_bytes=64 * 1024 * 1024,
        ),
    ]


async def settled(step: Callable[[], Awaitable[object]], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            await step()
            return
        except (OperationalError, KafkaError, OSError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


@pytest.fixture(scope="package")
async def intake(infra: Infra) -> AsyncIterator[Intake]:
    namespace = f"ti{uuid.uuid4().hex[:8]}."
    url = infra.database_url(f"intake_{uuid.uuid4().hex[:10]}")
    # The session's servers are shared with other test sessions and may still be starting.
    await settled(lambda: asyncio.to_thread(upgrade, MIGRATIONS, url), "PostgreSQL")
    set_namespace(namespace)
    await settled(lambda: ensure_topics(infra.kafka_bootstrap), "Kafka")
    settings = IntakeSettings(
        database_url=url,
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=namespace,
        instance_id=f"it-{uuid.uuid4().hex[:6]}",
        callers=test_callers(),
        environment="test",
        log_level="INFO",  # exercise the log lines too: a bad `extra` is a 500
    )
    app = build_app(settings)
    engine = make_engine(url, pool_size=2)
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
            yield Intake(app, settings, url, namespace, infra.kafka_bootstrap, engine)
    finally:
        await engine.dispose()
        await asyncio.to_thread(drop_database, url)


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique external references, so tests sharing the database never collide."""
    run = uuid.uuid4().hex[:8]
    return lambda prefix: f"{prefix}-{run}"
