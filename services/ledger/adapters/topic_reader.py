"""Reading a whole topic from offset 0 to the end offsets seen at the start, without a consumer
group (nothing joined, nothing committed): what a rebuild and a recording need.

Fetches are sized for throughput (large fetches, thousands of records a call); records arrive in
order within each partition, which is all a fold needs (an aggregate lives on one partition).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

MB = 1024 * 1024


async def _assigned(consumer: AIOKafkaConsumer, topics: Sequence[str], wait_seconds: float
                    ) -> list[TopicPartition]:
    """Without a group, a subscription is assigned every partition of its topics at once."""
    consumer.subscribe(list(topics))
    deadline = time.monotonic() + wait_seconds
    while {tp.topic for tp in consumer.assignment()} != set(topics):
        if time.monotonic() > deadline:
            raise LookupError(f"topics {sorted(set(topics))} are not all there")
        await asyncio.sleep(0.05)
    return sorted(consumer.assignment())


def _consumer(bootstrap: str, max_records: int) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
        fetch_max_bytes=64 * MB, max_partition_fetch_bytes=16 * MB, fetch_min_bytes=1,
        max_poll_records=max_records, check_crcs=False,
    )


async def partitions_of(bootstrap: str, topic: str, wait_seconds: float = 30.0) -> list[int]:
    consumer = _consumer(bootstrap, 1)
    await consumer.start()
    try:
        return [tp.partition for tp in await _assigned(consumer, [topic], wait_seconds)]
    finally:
        await consumer.stop()


async def read_to_end(bootstrap: str, topics: Sequence[str], *, max_records: int = 20_000,
                      partitions: Sequence[int] | None = None, wait_seconds: float = 30.0
                      ) -> AsyncIterator[list[Any]]:
    """Batches of records (aiokafka ConsumerRecords) from the start of every partition of
    `topics` (or only `partitions` of a single topic) up to the end offsets at the moment of
    the call."""
    consumer = _consumer(bootstrap, max_records)
    await consumer.start()
    try:
        if partitions is None:
            tps = await _assigned(consumer, topics, wait_seconds)
        else:
            [topic] = topics
            tps = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if end[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=max_records)
            for tp, records in batch.items():
                stop = end[tp]
                keep = records if records[-1].offset < stop else [
                    r for r in records if r.offset < stop]
                if keep:
                    yield keep
            for tp in list(remaining):
                # The position, not the last offset seen: it also steps over offsets that hold
                # no record for us (transaction markers).
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)
    finally:
        await consumer.stop()
