"""aiokafka with safe settings; its defaults (acks=1, no idempotence, auto-commit) can lose data."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from shared.events.topics import ALL_TOPICS

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=30_000,
    )


def make_consumer(bootstrap: str, group_id: str, client_id: str, *topics: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=500,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
    )


async def ensure_topics(
    bootstrap: str, replication_factor: int = 1, min_insync: int | None = None, retries: int = 30
) -> list[str]:
    """Create every topic (and its dead-letter twin) explicitly; existing ones are left alone."""
    wanted: list[NewTopic] = []
    configs = {"min.insync.replicas": str(min_insync)} if min_insync else {}
    for topic in ALL_TOPICS:
        wanted.append(NewTopic(topic.name, topic.partitions, replication_factor, topic_configs=configs))
        wanted.append(NewTopic(topic.dlq, 1, replication_factor, topic_configs=configs))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="topic-setup")
    for attempt in range(retries):
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if attempt == retries - 1:
                raise
            await asyncio.sleep(1)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            # Another process may race us to a topic; existing is the state we want.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return sorted(t.name for t in missing)
    finally:
        await admin.close()
