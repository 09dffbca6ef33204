"""Plain Kafka helpers for tests: create and delete topics, read a topic from its beginning.

Reading uses a group-less consumer with manual assignment, so it never joins, commits or disturbs
the consumer groups under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int = 6) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-topics")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: Iterable[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-topics")
    with contextlib.suppress(Exception):
        await admin.start()
        await admin.delete_topics(list(names))
    with contextlib.suppress(Exception):
        await admin.close()


async def describe_partitions(bootstrap: str, names: Iterable[str], seconds: float = 10.0) -> dict[str, int]:
    """Partition count per topic; waits out the moment after creation when a topic is not known yet."""
    wanted = list(names)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-topics")
    await admin.start()
    found: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    try:
        while True:
            missing = [n for n in wanted if n not in found]
            for t in await admin.describe_topics(missing):
                if not t["error_code"] and t["partitions"]:
                    found[t["topic"]] = len(t["partitions"])
            if len(found) == len(wanted) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def read_all(bootstrap: str, topic: str, seconds: float = 20.0) -> list[ConsumerRecord[Any, Any]]:
    """Every record now on `topic`, from offset 0 to the end offsets seen at the start."""
    # Without a group, a subscription is assigned every partition of the topic.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + seconds
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {topic} has no partitions")
            await asyncio.sleep(0.05)
        tps = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        out: list[ConsumerRecord[Any, Any]] = []
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} did not reach its end offsets")
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(r for r in records if r.offset < end[TopicPartition(r.topic, r.partition)])
        return out
    finally:
        await consumer.stop()


async def wait_for_records(
    bootstrap: str, topic: str, done: Callable[[list[ConsumerRecord[Any, Any]]], bool],
    seconds: float = 30.0, what: str = "records",
) -> list[ConsumerRecord[Any, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        records = await read_all(bootstrap, topic)
        if done(records):
            return records
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds}s waiting for {what} on {topic}")
        await asyncio.sleep(0.3)


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode("utf-8", "backslashreplace")
    return None


async def committed_offsets(
    bootstrap: str, group: str, partitions: dict[str, int]
) -> dict[tuple[str, int], int | None]:
    """A group's committed offsets per (topic, partition), read without joining the group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {(t, p): await consumer.committed(TopicPartition(t, p))
                for t, count in partitions.items() for p in range(count)}
    finally:
        await consumer.stop()


async def consumed_all(bootstrap: str, topics: Iterable[str], stored: dict[tuple[str, int], int]) -> bool:
    """Every record now on `topics` lies behind the consumer's stored positions (`stored`, by
    topic and partition): what a test needs before it says a redelivered event changed nothing."""
    counts = await describe_partitions(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(t, p) for t, n in counts.items() for p in range(n)])
    finally:
        await consumer.stop()
    return all(stored.get((tp.topic, tp.partition), 0) >= end for tp, end in ends.items())
