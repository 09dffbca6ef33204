"""Recorded streams: Kafka records as JSON lines, and back into a deployment's topics.

One line per record: the topic without the deployment's namespace, partition, offset, timestamp
(ms), key, headers (CloudEvents and the rest, as text), and the value as JSON when it is JSON
(`value`), else base64 (`value_b64`). Replaying keeps `ce_id`, so a deployment that already saw
a record skips it: a replay is idempotent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.events.envelope import encode_json


def record_line(record: Any, namespace: str) -> dict[str, Any]:
    topic = record.topic[len(namespace):] if record.topic.startswith(namespace) else record.topic
    line: dict[str, Any] = {
        "topic": topic, "partition": record.partition, "offset": record.offset,
        "timestamp": record.timestamp,
        "key": record.key.decode("utf-8", "backslashreplace") if record.key is not None else None,
        "headers": [[k, bytes(v).decode("utf-8", "backslashreplace")]
                    for k, v in record.headers or ()],
    }
    try:
        value = json.loads(record.value) if record.value is not None else None
        line["value"] = value
    except (ValueError, UnicodeDecodeError):
        line["value_b64"] = base64.b64encode(record.value).decode()
    return line


@dataclass(frozen=True)
class Recorded:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    timestamp_ms: int


def read_lines(path: Path, topics: Iterable[str] | None = None) -> Iterator[Recorded]:
    wanted = set(topics) if topics else None
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            line = json.loads(raw)
            if wanted is not None and line["topic"] not in wanted:
                continue
            if "value_b64" in line:
                value: bytes | None = base64.b64decode(line["value_b64"])
            else:
                value = None if line["value"] is None else encode_json(line["value"])
            yield Recorded(
                topic=line["topic"], key=None if line["key"] is None else line["key"].encode(),
                value=value, headers=[(k, v.encode()) for k, v in line["headers"]],
                timestamp_ms=int(line["timestamp"]),
            )


async def replay(producer: AIOKafkaProducer, records: list[Recorded], namespace: str,
                 speed: float, on_sent: Callable[[int], None] | None = None) -> int:
    """Produce the records in timestamp order; the gaps between them shrink by `speed`
    (0: as fast as the broker takes them)."""
    records = sorted(records, key=lambda r: r.timestamp_ms)
    if not records:
        return 0
    started, first = time.monotonic(), records[0].timestamp_ms
    pending: list[asyncio.Future[Any]] = []
    for record in records:
        if speed > 0:
            due = started + (record.timestamp_ms - first) / 1000 / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.gather(*pending)
                pending.clear()
                await asyncio.sleep(delay)
        pending.append(await producer.send(f"{namespace}{record.topic}", value=record.value,
                                           key=record.key, headers=record.headers))
        if on_sent is not None:
            on_sent(1)
    await asyncio.gather(*pending)
    return len(records)
