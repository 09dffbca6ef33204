"""Re-publish the records parked on `<topic>.dlq` back to `<topic>`, once the cause is fixed.

`python -m deploy.dlq_replay TOPIC [--dry-run] [--consumer NAME] [--code CODE]
[--start-offset N] [--limit N]`. TOPIC is the topic as the code names it (`ledger.problems`);
KAFKA_TOPIC_PREFIX is put in front, as the services do. Each record keeps its key, value and
CloudEvents headers; the `dlq_*` headers the consumer added when it parked the record are
stripped. Only the records on the dead-letter topic when the run starts are read, so a record
that fails again (and is parked again) is not replayed twice in one run.

Replaying is safe to repeat: consumers deduplicate by CloudEvents source + id, and a parked event
was never recorded as processed by the consumer that parked it, so it is applied once after the
fix and ignored by every consumer group that had already applied it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.events.topics import dead_letter_topic, namespaced, set_namespace
from shared.kafka import make_producer

DLQ_HEADER_PREFIX = "dlq_"


class ReplaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_topic_prefix: str = ""


@dataclass
class ReplayReport:
    source: str
    target: str
    read: int = 0
    replayed: int = 0
    skipped: int = 0
    next_offsets: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "target": self.target, "read": self.read,
            "replayed": self.replayed, "skipped": self.skipped,
            "next_offsets": {str(p): o for p, o in sorted(self.next_offsets.items())},
        }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.dlq_replay", description=__doc__.splitlines()[0])
    parser.add_argument("topic", help="the topic to replay into, as the code names it (e.g. ledger.problems)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed; publish nothing")
    parser.add_argument("--consumer", help="only records parked by this consumer group (dlq_consumer)")
    parser.add_argument("--code", help="only records parked with this reason code (dlq_code)")
    parser.add_argument("--start-offset", type=int, default=0,
                        help="first dead-letter offset to read (per partition; default 0)")
    parser.add_argument("--limit", type=int, help="replay at most this many records")
    parser.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", help="overrides KAFKA_TOPIC_PREFIX")
    return parser


def _text(value: bytes | None) -> str:
    return bytes(value or b"").decode("utf-8", "backslashreplace")


def replay_headers(headers: Sequence[tuple[str, bytes]] | None) -> list[tuple[str, bytes]]:
    """The record's own headers, without what the dead-lettering added."""
    return [(k, bytes(v)) for k, v in headers or () if not k.startswith(DLQ_HEADER_PREFIX)]


def describe(record: Any) -> dict[str, Any]:
    headers = {k: _text(v) for k, v in record.headers or ()}
    return {
        "partition": record.partition, "offset": record.offset, "key": _text(record.key),
        "ce_type": headers.get("ce_type"), "ce_id": headers.get("ce_id"),
        "dlq_consumer": headers.get("dlq_consumer"), "dlq_code": headers.get("dlq_code"),
        "dlq_topic": headers.get("dlq_topic"), "dlq_reason": (headers.get("dlq_reason") or "")[:300],
    }


def wanted(info: dict[str, Any], target: str, consumer: str | None, code: str | None) -> bool:
    if info["dlq_topic"] not in (None, target):
        return False  # parked from another topic (a prefix mix-up): never move it elsewhere
    if consumer is not None and info["dlq_consumer"] != consumer:
        return False
    return code is None or info["dlq_code"] == code


async def partitions_of(bootstrap: str, topics: list[str]) -> dict[str, list[int]]:
    """The partitions of each topic that exists."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="dlq-replay")
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {
        t["topic"]: sorted(p["partition"] for p in t["partitions"])
        for t in described if not t["error_code"]
    }


async def replay(
    bootstrap: str,
    topic: str,
    *,
    dry_run: bool = False,
    consumer: str | None = None,
    code: str | None = None,
    start_offset: int = 0,
    limit: int | None = None,
    out: Any = None,
) -> ReplayReport:
    target = topic
    source = dead_letter_topic(target)
    report = ReplayReport(source=source, target=target)
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
    )
    await reader.start()
    producer = None
    try:
        partitions = await partitions_of(bootstrap, [source, target])
        missing = [t for t in (source, target) if t not in partitions]
        if missing:
            raise SystemExit(f"deploy.dlq_replay: no topic {', '.join(missing)}")
        tps = [TopicPartition(source, p) for p in partitions[source]]
        reader.assign(tps)
        end = await reader.end_offsets(tps)
        begin = await reader.beginning_offsets(tps)
        for tp in tps:
            reader.seek(tp, max(start_offset, begin[tp]))
            report.next_offsets[tp.partition] = max(start_offset, begin[tp])
        if not dry_run:
            producer = make_producer(bootstrap, "dlq-replay")
            await producer.start()
        pending = [tp for tp in tps if report.next_offsets[tp.partition] < end[tp]]
        while pending and (limit is None or report.replayed < limit):
            batch = await reader.getmany(*pending, timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= end[tp] or (limit is not None and report.replayed >= limit):
                        break
                    report.read += 1
                    info = describe(record)
                    if not wanted(info, target, consumer, code):
                        report.skipped += 1
                    else:
                        if producer is not None:
                            await producer.send_and_wait(
                                target, value=record.value, key=record.key,
                                headers=replay_headers(record.headers),
                            )
                        report.replayed += 1
                        if out is not None:
                            print(json.dumps({"dry_run": dry_run, **info}, ensure_ascii=False), file=out)
                    report.next_offsets[tp.partition] = record.offset + 1
            if limit is None or report.replayed < limit:
                # The position also steps over offsets that hold no record (transaction markers).
                for tp in pending:
                    position = await reader.position(tp)
                    report.next_offsets[tp.partition] = max(report.next_offsets[tp.partition],
                                                             min(position, end[tp]))
            pending = [tp for tp in tps if report.next_offsets[tp.partition] < end[tp]]
        return report
    finally:
        await reader.stop()
        if producer is not None:
            await producer.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"kafka_bootstrap_servers": args.bootstrap_servers, "kafka_topic_prefix": args.prefix}
    settings = ReplaySettings(**{k: v for k, v in overrides.items() if v is not None})
    set_namespace(settings.kafka_topic_prefix)
    topic = args.topic.removesuffix(".dlq")
    report = asyncio.run(
        replay(
            settings.kafka_bootstrap_servers, namespaced(topic), dry_run=args.dry_run,
            consumer=args.consumer, code=args.code, start_offset=args.start_offset, limit=args.limit,
            out=sys.stdout,
        )
    )
    print(json.dumps({"summary": report.as_dict(), "dry_run": args.dry_run}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
