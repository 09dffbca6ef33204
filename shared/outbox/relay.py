"""The outbox relay: claims unpublished rows, publishes them with acks=all, marks them published.

Claiming happens with `FOR UPDATE SKIP LOCKED` inside one transaction, and the row locks are the
lease: if the relay dies after publishing and before marking, its transaction aborts, the rows
stay unpublished and are published again. Consumers deduplicate by CloudEvents source + id, so a
second copy is harmless; a lost event would not be.

Only one relay per database publishes at a time (a transaction-level advisory lock), so that
events of one aggregate leave in the order they were committed even with several replicas.
The relay sleeps on LISTEN/NOTIFY (fired by a trigger at commit) and polls only as a fallback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.faults import failpoint
from shared.outbox.schema import NOTIFY_CHANNEL, outbox
from shared.wakeup import Wakeup

log = logging.getLogger(__name__)

# Any constant works as long as every relay of the same database uses the same one.
RELAY_LOCK_KEY = 0x0B0C5E1A

# Built once: each batch runs these three, and at low rates a batch is one event per hop (a
# statement built per call is traversed for its cache key every time).
_LEAD = sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK_KEY))
_CLAIM = (
    sa.select(outbox.c.id, outbox.c.topic, outbox.c.aggregate_id, outbox.c.value, outbox.c.headers)
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.id)
    .limit(sa.bindparam("batch", type_=sa.Integer))
    .with_for_update(skip_locked=True)
)
_MARK = (
    outbox.update()
    .where(outbox.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(published_at=sa.func.now())
)


@dataclass
class RelayStats:
    published: int = 0
    batches: int = 0
    last_publish_monotonic: float = field(default_factory=time.monotonic)
    backlog: int = 0


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        listen_dsn: str,
        batch_size: int = 500,
        fallback_poll_seconds: float = 2.0,
    ) -> None:
        self.engine = engine
        self.producer = producer
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.fallback_poll_seconds = fallback_poll_seconds
        self.stats = RelayStats()

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were published (0 when idle or not leader)."""
        async with self.engine.begin() as conn:
            leader = await conn.scalar(_LEAD)
            if not leader:
                return 0
            rows = (await conn.execute(_CLAIM, {"batch": self.batch_size})).all()
            if not rows:
                return 0
            sends = []
            for row in rows:
                headers = [(str(k), str(v).encode()) for k, v in row.headers]
                sends.append(
                    await self.producer.send(
                        row.topic, value=bytes(row.value), key=row.aggregate_id.encode(),
                        headers=headers,
                    )
                )
            # Every send must be acknowledged by all in-sync replicas before any row is marked.
            await asyncio.gather(*sends)
            failpoint("relay.after_publish")
            await conn.execute(_MARK, {"ids": [r.id for r in rows]})
        self.stats.published += len(rows)
        self.stats.batches += 1
        self.stats.last_publish_monotonic = time.monotonic()
        return len(rows)

    async def backlog(self) -> int:
        self.stats.backlog = await count_backlog(self.engine)
        return self.stats.backlog

    async def run(self, stop: asyncio.Event) -> None:
        async with Wakeup(self.listen_dsn, NOTIFY_CHANNEL, self.fallback_poll_seconds) as wakeup:
            while not stop.is_set():
                try:
                    published = await self.publish_batch()
                except Exception:
                    log.exception("outbox relay batch failed; retrying")
                    await wakeup.wait(stop, 1.0)
                    continue
                if not published:
                    await wakeup.wait(stop)


async def count_backlog(engine: AsyncEngine) -> int:
    """Outbox rows not yet published: a fact of the database, whichever process publishes them."""
    async with engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)
