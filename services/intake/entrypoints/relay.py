"""`python -m services.intake relay`: intake's outbox relay as a process of its own.

Publishing to Kafka costs about as much CPU per event as accepting the complaint did; on its own
process it no longer competes with the HTTP requests for the API process's one interpreter.
The API process then runs with `RELAY_IN_PROCESS=false`. Correctness does not depend on the split:
the relay is the same `OutboxRelay` (row locks as the lease, one publisher per database through
the advisory lock), so a relay left running inside an API process only takes turns with this one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

import uvloop

from services.intake.settings import IntakeSettings
from shared.db import make_engine
from shared.events.topics import set_namespace
from shared.kafka import make_producer
from shared.outbox.relay import OutboxRelay
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def relay_command(settings: ServiceSettings, argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m services.intake relay").parse_args(argv)
    s = settings if isinstance(settings, IntakeSettings) else IntakeSettings()
    uvloop.run(run_relay(s))
    return 0


async def run_relay(s: IntakeSettings) -> None:
    """Publish until SIGTERM or SIGINT; the batch in flight is finished (or rolled back) first."""
    set_namespace(s.kafka_topic_prefix)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = make_engine(s.database_url, pool_size=2)
    producer = make_producer(s.kafka_bootstrap_servers, f"{s.service_name}-relay")
    try:
        await producer.start()
        relay = OutboxRelay(engine, producer, s.asyncpg_dsn)
        log.info("outbox relay started", extra={"instance": s.instance_id})
        await relay.run(stop)
        log.info("outbox relay stopped", extra={"published": relay.stats.published})
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()
        await engine.dispose()
