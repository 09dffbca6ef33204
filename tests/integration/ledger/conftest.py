"""The ledger in-process (its HTTP app, consumer and relay under asgi-lifespan) on the session's
real Kafka and PostgreSQL, in its own topic namespace and database, with a clock the tests set.

One ledger serves a whole module: modules keep out of each other's way by using their own towns
and periods, so the Kafka topics and consumer group are set up once per module, not per test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from deploy.local.stack import Infra
from shared.events.topics import namespaced, set_namespace
from shared.kafka import make_producer
from tests.integration.ledger.harness import Ledger, TestClock, running_ledger


@pytest.fixture(scope="module")
def ledger_namespace() -> str:
    return f"l{uuid.uuid4().hex[:8]}."


@pytest.fixture(scope="module")
def ledger_settings() -> dict[str, Any]:
    """Settings a module wants different from the defaults (override the fixture)."""
    return {}


@pytest.fixture(scope="module")
async def ledger(infra: Infra, ledger_namespace: str, ledger_settings: dict[str, Any]
                 ) -> AsyncIterator[Ledger]:
    previous = namespaced("")
    set_namespace(ledger_namespace)
    try:
        async with running_ledger(infra, ledger_namespace, TestClock(datetime.now().astimezone()),
                                  **ledger_settings) as running:
            yield running
    finally:
        set_namespace(previous)


@pytest.fixture(scope="module")
async def producer(infra: Infra) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(infra.kafka_bootstrap, "ledger-test-producer")
    await p.start()
    try:
        yield p
    finally:
        await p.stop()
