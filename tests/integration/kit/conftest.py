"""Kit integration fixtures: a throwaway database with the kit's tables, fresh topics, a producer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from deploy.local.stack import Infra
from shared.events.topics import VISITS, namespaced, set_namespace
from shared.kafka import make_producer
from tests.support.kitdb import KitDatabase, kit_database
from tests.support.topics import create_topics, delete_topics

# Effects recorded with no unique constraint, so a duplicate application would show as two rows.
APPLIED_SQL = """
CREATE TABLE applied (
    id bigserial PRIMARY KEY,
    applied_by text NOT NULL,
    event_id text NOT NULL,
    visit_id text NOT NULL,
    seq int NOT NULL
)
"""


@pytest.fixture
def bootstrap(infra: Infra) -> str:
    return infra.kafka_bootstrap


@pytest.fixture
async def kit_db(infra: Infra) -> AsyncIterator[KitDatabase]:
    async with kit_database(infra, APPLIED_SQL) as db:
        yield db


@pytest.fixture
async def visits_topic(bootstrap: str, namespace: str) -> AsyncIterator[str]:
    """The visits topic (6 partitions) and its dead-letter twin, in this test's own namespace."""
    previous = namespaced("")
    set_namespace(namespace)
    names = [VISITS.name, VISITS.dlq]
    await create_topics(bootstrap, names)
    try:
        yield VISITS.name
    finally:
        set_namespace(previous)
        await delete_topics(bootstrap, names)


@pytest.fixture
async def producer(bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(bootstrap, "kit-test-producer")
    await p.start()
    try:
        yield p
    finally:
        await p.stop()
