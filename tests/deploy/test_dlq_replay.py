"""`python -m deploy.dlq_replay`, run as the operator guide writes it, on the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaProducer

from deploy import dlq_replay
from deploy.local.stack import Infra
from shared.events.catalog import ALL_PAYLOADS
from shared.events.topics import set_namespace
from shared.kafka import ensure_topics
from tests.deploy.codebase import guide_python_commands
from tests.support.topics import delete_topics, read_all

pytestmark = pytest.mark.infra


def guide_replay_commands() -> list[list[str]]:
    """The argument lists of every `python -m deploy.dlq_replay` command in docs/operations.md."""
    return [args for module, args in guide_python_commands() if module == dlq_replay.__name__]


Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def parked(n: int, topic: str, consumer: str, code: str, origin: str | None = None) -> Record:
    """A record as shared.consumer parks it: original key, value and headers plus dlq_* headers."""
    headers = [
        ("ce_id", f"event-{n}".encode()), ("ce_source", b"/supervision/test"),
        ("ce_type", ALL_PAYLOADS[0].TYPE.encode()), ("ce_specversion", b"1.0"),
        ("content-type", b"application/json"),
        ("dlq_code", code.encode()), ("dlq_reason", b"boom"), ("dlq_consumer", consumer.encode()),
        ("dlq_topic", (origin or topic).encode()), ("dlq_partition", b"0"), ("dlq_offset", str(n).encode()),
    ]
    return f"key-{n}".encode(), json.dumps({"n": n}).encode(), headers


async def park(bootstrap: str, dlq: str, records: list[Record]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send_and_wait(dlq, value, key=key, headers=headers)
    finally:
        await producer.stop()


def run_cli(argv: list[str]) -> list[dict[str, object]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert dlq_replay.main(argv) == 0
    set_namespace("")
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


@pytest.fixture
def topics(infra: Infra, namespace: str) -> Iterator[str]:
    set_namespace(namespace)
    created = asyncio.run(ensure_topics(infra.kafka_bootstrap))
    set_namespace("")
    yield namespace
    asyncio.run(delete_topics(infra.kafka_bootstrap, created))


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def selected(records: list[Record], target: str, args: list[str]) -> list[Record]:
    """What the command's filters select: its topic only, then --consumer and --code if given."""
    def header(record: Record, name: str) -> str:
        return dict(record[2])[name].decode()

    consumer, code = option(args, "--consumer"), option(args, "--code")
    return [
        r for r in records
        if header(r, "dlq_topic") == target
        and consumer in (None, header(r, "dlq_consumer")) and code in (None, header(r, "dlq_code"))
    ]


def test_guide_replays_a_dead_letter_topic_dry_run_first(infra: Infra, topics: str) -> None:
    commands = guide_replay_commands()
    dry = [c for c in commands if "--dry-run" in c]
    real = [c for c in commands if "--dry-run" not in c and "--help" not in c]
    assert dry and real, "the guide shows a dry run and a replay"
    base = real[0][0].removesuffix(".dlq")
    assert all(c[0].removesuffix(".dlq") == base for c in dry + real), "one example topic throughout"
    consumer = option(real[0], "--consumer") or "some-consumer"
    code = option(real[0], "--code") or "handler_failed"
    bootstrap, prefix = infra.kafka_bootstrap, topics
    target, dlq = prefix + base, f"{prefix}{base}.dlq"
    records = [
        parked(0, target, consumer, code),
        parked(1, target, "another-consumer", "schema_mismatch"),
        parked(2, target, consumer, code),
        parked(3, target, consumer, code, origin=prefix + "somewhere.else"),
    ]
    asyncio.run(park(bootstrap, dlq, records))
    connect = ["--bootstrap-servers", bootstrap, "--prefix", prefix]

    lines = run_cli([*dry[0], *connect])
    summary = lines[-1]["summary"]
    assert isinstance(summary, dict)
    assert [line["offset"] for line in lines[:-1]] == [
        int(dict(r[2])["dlq_offset"]) for r in selected(records, target, dry[0])]
    assert summary["read"] == len(records)
    assert asyncio.run(read_all(bootstrap, target)) == [], "a dry run publishes nothing"

    lines = run_cli([*real[0], *connect])
    summary = lines[-1]["summary"]
    assert isinstance(summary, dict)
    wanted = selected(records, target, real[0])
    assert wanted, "the example replays something"
    replayed = asyncio.run(read_all(bootstrap, target))
    assert sorted((r.key, r.value) for r in replayed) == sorted((k, v) for k, v, _ in wanted)
    for record in replayed:
        names = [k for k, _ in record.headers]
        assert not [n for n in names if n.startswith("dlq_")], "dlq_* headers are stripped"
        assert {"ce_id", "ce_source", "ce_type", "ce_specversion"} <= set(names), "CloudEvents headers kept"
    assert summary["replayed"] == len(wanted) and summary["next_offsets"] == {"0": len(records)}
    # The dead-letter topic itself is left as it was: the record of what went wrong.
    assert len(asyncio.run(read_all(bootstrap, dlq))) == len(records)
