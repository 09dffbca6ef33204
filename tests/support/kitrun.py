"""Running the kit's consumer and relay in-process, the way `shared.runtime.Runtime.start` wires them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.consumer import BatchHandler, Handler, IdempotentConsumer
from shared.events.catalog import Place, VisitLogged
from shared.events.envelope import Envelope
from shared.kafka import make_consumer, make_producer
from shared.outbox.relay import OutboxRelay
from shared.outbox.writer import envelope_for
from tests.support.kitdb import KitDatabase

PLACE = Place(village_code="350623104210", village_name="林前村", town_code="350623104",
              town_name="杜浔镇", county_code="350623", county_name="漳浦县")
PRODUCER_SOURCE = "/supervision/kit-test"


def visit(n: int | str, officer_id: str = "officer-1", seq: int = 0) -> VisitLogged:
    return VisitLogged(visit_id=f"v{n}", officer_id=officer_id, place=PLACE, visited_on=date(2024, 6, 3),
                       households_visited=seq, problems_found=0)


def visit_envelope(n: int | str, officer_id: str = "officer-1", seq: int = 0,
                   source: str = PRODUCER_SOURCE) -> Envelope:
    return envelope_for(visit(n, officer_id, seq), source)


async def send(producer: AIOKafkaProducer, topic: str, env: Envelope, key: bytes | None = None) -> None:
    await producer.send_and_wait(topic, env.value(), key=key or env.key, headers=env.headers())


@dataclass
class RunningConsumer:
    consumer: IdempotentConsumer
    kafka: AIOKafkaConsumer
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 30)
        await self.kafka.stop()


async def start_consumer(
    bootstrap: str, db: KitDatabase, name: str, group: str, topics: list[str],
    handlers: Mapping[str, Handler], max_retries: int = 3, retry_backoff_ms: int = 20,
    client_id: str = "kit-test", batch_handler: BatchHandler | None = None,
) -> RunningConsumer:
    kafka = make_consumer(bootstrap, group, client_id)
    consumer = IdempotentConsumer(name, kafka, db.sessions, handlers, "/supervision/kit-consumer",
                                  max_retries=max_retries, retry_backoff_ms=retry_backoff_ms,
                                  batch_handler=batch_handler)
    kafka.subscribe(topics, listener=consumer.listener)
    await kafka.start()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    return RunningConsumer(consumer, kafka, stop, task)


@dataclass
class RunningRelay:
    relay: OutboxRelay
    producer: AIOKafkaProducer
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 30)
        await self.producer.stop()


async def start_relay(bootstrap: str, db: KitDatabase, fallback_poll_seconds: float = 2.0) -> RunningRelay:
    producer = make_producer(bootstrap, "kit-relay")
    await producer.start()
    relay = OutboxRelay(db.engine, producer, db.listen_dsn, fallback_poll_seconds=fallback_poll_seconds)
    stop = asyncio.Event()
    return RunningRelay(relay, producer, stop, asyncio.create_task(relay.run(stop)))


async def eventually(
    probe: Callable[[], Awaitable[Any]], seconds: float = 30.0, interval: float = 0.1,
    what: str = "condition",
) -> Any:
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise TimeoutError(f"timed out after {seconds}s waiting for {what} (last: {last!r})")
