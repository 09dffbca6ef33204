"""Sleep until PostgreSQL says there is work (LISTEN/NOTIFY), with polling as the fallback.

A NOTIFY is delivered when the notifying transaction commits, so a woken worker always finds the
rows it was woken for. Polling stays as a safety net: a notification is lost if the listening
connection drops, and a lost wake-up must cost seconds, not an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

log = logging.getLogger(__name__)


class Wakeup:
    def __init__(self, dsn: str, channel: str, fallback_seconds: float = 2.0) -> None:
        self.dsn = dsn
        self.channel = channel
        self.fallback_seconds = fallback_seconds
        self._event = asyncio.Event()
        self._conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> Wakeup:
        await self._listen()
        return self

    async def _listen(self) -> None:
        try:
            self._conn = await asyncpg.connect(self.dsn)
            await self._conn.add_listener(self.channel, lambda *_: self._event.set())
        except Exception:
            log.warning("LISTEN unavailable; polling until it comes back", extra={"channel": self.channel})
            self._conn = None

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    def poke(self) -> None:
        self._event.set()

    async def wait(self, stop: asyncio.Event, seconds: float | None = None) -> None:
        """Return when notified, when `stop` is set, or after the fallback interval."""
        if self._conn is None or self._conn.is_closed():
            # The listening connection dropped (database restart): listen again, so the fallback
            # poll stays a fallback and does not become the normal pace.
            await self._listen()
        if self._event.is_set():
            self._event.clear()
            return
        waiters = {asyncio.ensure_future(self._event.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(
            waiters, timeout=seconds or self.fallback_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        self._event.clear()
