"""Async database access: one engine per process, sessions whose transaction is the unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # Errors must not echo row values into logs or dead-letter headers: a description or a
        # sealed contact is a parameter like any other.
        hide_parameters=True,
        # Timestamps are stored as timestamptz; the server speaks UTC to us.
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "supervision"}},
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
