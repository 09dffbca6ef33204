"""Fault tests: real service processes killed at the worst moments, then checked Jepsen-style.

One stack (four service processes, their own namespace and databases) serves the module; each test
restores it to normal before the next. Every test sends unique complaints, then checks with the one
checker that each acknowledged complaint took effect in the ledger exactly once, counted where a
duplicate would show (the ledger's outbox rows and its own history). The broker restart is in
test_broker_restart.py, on a broker of its own.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy.local.stack import Infra, Stack
from shared.events.catalog import ComplaintReceived
from shared.events.envelope import Envelope
from shared.events.topics import ASSIGNMENTS, COMPLAINTS, dead_letter_topic
from shared.kafka import make_producer
from tests.support.effects import (
    assert_exactly_once,
    post_complaints,
    query,
    until,
    wait_for_effects,
)
from tests.support.faulting import arm, revive
from tests.support.stacks import running_stack
from tests.support.topics import committed_offsets, header, read_all, wait_for_records

pytestmark = [pytest.mark.fault, pytest.mark.infra]


@pytest.fixture(scope="module")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    namespace = f"f{uuid.uuid4().hex[:8]}."
    run_dir: Path = tmp_path_factory.mktemp("fault-stack")
    with running_stack(infra, run_dir, namespace) as (stack, _sink):
        yield stack


@pytest.fixture(scope="module")
def earlier() -> set[str]:
    """Complaints acknowledged by earlier tests of this module: allowed in the ledger, once each."""
    return set()


def complaints_topic(stack: Stack) -> str:
    return f"{stack.namespace}{COMPLAINTS.base}"


async def test_ledger_killed_after_db_commit_before_offset_commit_applies_once(
    stack: Stack, infra: Infra, earlier: set[str]
) -> None:
    """(a) kill -9 the ledger between its database commit and its Kafka offset commit."""
    armed = arm(stack, "ledger", "consumer.after_db_commit", nth=2)
    try:
        posted = await post_complaints(stack.services["intake"].url, range(100_000, 100_030))
        assert not posted.failed
        await asyncio.to_thread(armed.wait_killed, 60)

        # The worst moment really happened: the database is ahead of Kafka on some partition.
        stored = {(t, p): offset for t, p, offset in query(
            stack, "ledger", "SELECT topic, partition, next_offset FROM consumer_positions "
            "WHERE consumer = 'ledger'")}
        committed = await committed_offsets(
            infra.kafka_bootstrap, f"{stack.namespace}ledger",
            {f"{stack.namespace}{t.base}": t.partitions for t in (COMPLAINTS, ASSIGNMENTS)})
        assert any(offset > (committed.get(tp) or 0) for tp, offset in stored.items()), (stored, committed)
    finally:
        revive(stack, "ledger")
    await wait_for_effects(stack, posted.ids, 60)
    assert_exactly_once(stack, posted.ids, earlier)


async def test_intake_relay_killed_after_publish_before_mark_publishes_twice_applies_once(
    stack: Stack, infra: Infra, earlier: set[str]
) -> None:
    """(b) kill -9 the intake's relay (its own process) between the Kafka acknowledgement and
    marking the row."""
    bootstrap, topic = infra.kafka_bootstrap, complaints_topic(stack)
    armed = arm(stack, "intake-relay", "relay.after_publish")
    try:
        posted = await post_complaints(stack.services["intake"].url, range(200_000, 200_001), attempts=1)
        await asyncio.to_thread(armed.wait_killed, 30)
        copies = await copies_of(bootstrap, topic, "GD-00200000")
        assert len(copies) == 1, "published before the kill"
        complaint_id = header(copies[0], "ce_subject")
        assert complaint_id and posted.ids in ([complaint_id], [])  # the kill may eat the response
        marks = query(stack, "intake", "SELECT published_at FROM outbox WHERE aggregate_id = %s",
                      complaint_id)
        assert marks == [(None,)], "not marked: the row will be published again"
    finally:
        revive(stack, "intake-relay")

    copies = [r for r in await wait_for_records(
        bootstrap, topic, lambda rs: len(_by_ref(rs, "GD-00200000")) >= 2, 30, what="the second copy")
        if _ref(r) == "GD-00200000"]
    assert len(copies) == 2
    assert header(copies[0], "ce_id") == header(copies[1], "ce_id"), "the same event, twice"
    assert copies[0].partition == copies[1].partition and copies[0].offset < copies[1].offset
    assert query(stack, "intake", "SELECT published_at IS NOT NULL FROM outbox WHERE aggregate_id = %s",
                 complaint_id) == [(True,)]

    await wait_for_effects(stack, [complaint_id], 60)
    # The ledger read the second copy too (its position is past it) and recorded the first only.
    second = copies[1]

    def read_past_second() -> bool:
        rows = query(stack, "ledger", "SELECT next_offset FROM consumer_positions WHERE consumer = 'ledger' "
                     "AND topic = %s AND partition = %s", topic, second.partition)
        return bool(rows) and rows[0][0] > second.offset

    await until(read_past_second, 30, "the ledger to read the second copy")
    processed = query(stack, "ledger", "SELECT \"offset\" FROM processed_events WHERE consumer = 'ledger' "
                      "AND event_id = %s", header(second, "ce_id"))
    assert processed == [(copies[0].offset,)]
    assert_exactly_once(stack, [complaint_id], earlier)


ROGUE = "/supervision/rogue"


def malformed_records() -> list[tuple[str, list[tuple[str, bytes]], bytes]]:
    """One record per kind of malformation: (the DLQ code expected, headers, value)."""

    def headers(**override: bytes) -> list[tuple[str, bytes]]:
        env = Envelope(type=ComplaintReceived.TYPE, source=ROGUE, subject=f"rogue-{uuid.uuid4()}", data={})
        return [(k, override.get(k.replace("-", "_"), v)) for k, v in env.headers()]

    return [
        ("missing_headers", [], b'{"complaint_id": "no-headers"}'),
        ("bad_json", headers(), b"{this is not json"),
        ("schema_mismatch", headers(), json.dumps({"complaint_id": "half-a-complaint"}).encode()),
        ("unknown_type", headers(ce_type=b"cn.example.who.knows.v1"), b"{}"),
        ("bad_specversion", headers(ce_specversion=b"0.3"), b"{}"),
        ("header_not_utf8", [*headers(), ("x-origin", b"\xff\xfe\xfd")], b"{}"),
    ]


async def test_malformed_complaint_goes_to_the_dlq_and_the_next_is_processed(
    stack: Stack, infra: Infra, earlier: set[str]
) -> None:
    """(c) poison produced straight onto the complaints topic: parked with a reason, stream goes on."""
    bootstrap, topic = infra.kafka_bootstrap, complaints_topic(stack)
    bad = malformed_records()
    assert len(bad) == COMPLAINTS.partitions  # one on every partition: the next complaint follows one
    producer = make_producer(bootstrap, "fault-rogue")
    await producer.start()
    try:
        placed: dict[str, tuple[int, int]] = {}
        for partition, (code, hdrs, value) in enumerate(bad):
            meta = await (await producer.send(topic, value, key=b"rogue", partition=partition, headers=hdrs))
            placed[code] = (partition, meta.offset)
    finally:
        await producer.stop()

    posted = await post_complaints(stack.services["intake"].url, range(300_000, 300_001))
    assert not posted.failed

    def from_ledger(records: list[Any]) -> list[Any]:
        return [r for r in records if header(r, "dlq_consumer") == "ledger"
                and header(r, "dlq_topic") == topic and header(r, "dlq_offset") is not None
                and (int(header(r, "dlq_partition") or -1), int(header(r, "dlq_offset") or -1))
                in placed.values()]

    dlq = from_ledger(await wait_for_records(
        bootstrap, dead_letter_topic(topic), lambda rs: len(from_ledger(rs)) >= len(bad), 60,
        what="the ledger's dead letters"))
    assert sorted(header(r, "dlq_code") or "" for r in dlq) == sorted(code for code, _, _ in bad)
    for r in dlq:
        code = header(r, "dlq_code") or ""
        assert header(r, "dlq_reason"), f"{code} has no reason"
        assert (int(header(r, "dlq_partition") or -1), int(header(r, "dlq_offset") or -1)) == placed[code]
    await wait_for_effects(stack, posted.ids, 60)
    assert_exactly_once(stack, posted.ids, earlier)

    # The good complaint came after a poison record on its partition and was applied anyway.
    good = [r for r in await read_all(bootstrap, topic) if header(r, "ce_subject") == posted.ids[0]]
    assert good and good[0].offset > dict(placed.values())[good[0].partition]


async def copies_of(bootstrap: str, topic: str, external_ref: str) -> list[Any]:
    return _by_ref(await read_all(bootstrap, topic), external_ref)


def _ref(record: Any) -> str | None:
    try:
        return json.loads(record.value).get("external_ref")  # type: ignore[no-any-return]
    except (ValueError, AttributeError, TypeError):
        return None


def _by_ref(records: list[Any], external_ref: str) -> list[Any]:
    return [r for r in records if _ref(r) == external_ref]
