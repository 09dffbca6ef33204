"""The idempotent consumer on real Kafka and PostgreSQL: once per event, poison parked, resumable.

Effects go to `applied`, which has no unique constraint: applying an event twice would show.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import Delivery, Handler
from shared.events.catalog import ComplaintReceived, VisitLogged
from shared.events.envelope import Envelope
from shared.outbox.schema import consumer_positions, processed_events
from tests.support.checker import check
from tests.support.kitdb import KitDatabase
from tests.support.kitrun import (
    RunningConsumer,
    eventually,
    send,
    start_consumer,
    start_relay,
    visit_envelope,
)
from tests.support.topics import header, wait_for_records

pytestmark = pytest.mark.infra


def recorder(label: str, calls: Counter[str] | None = None) -> Handler:
    """A handler that appends one row per application; officer 'poison' always fails."""

    async def handle(session: AsyncSession, env: Envelope, payload: object) -> None:
        assert isinstance(payload, VisitLogged)
        if calls is not None:
            calls[payload.visit_id] += 1
        await session.execute(
            sa.text("INSERT INTO applied (applied_by, event_id, visit_id, seq) VALUES (:b, :e, :v, :s)"),
            {"b": label, "e": env.id, "v": payload.visit_id, "s": payload.households_visited},
        )
        if payload.officer_id == "poison":
            raise RuntimeError("this handler always fails on poison")

    return handle


async def applied(db: KitDatabase) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.scalars(sa.text("SELECT visit_id FROM applied ORDER BY id"))).all())


async def applied_by(db: KitDatabase) -> Counter[str]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT applied_by FROM applied"))).scalars().all()
    return Counter(rows)


def has(db: KitDatabase, wanted: Callable[[list[str]], bool]) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return wanted(await applied(db))

    return probe


async def stored_positions(db: KitDatabase, name: str) -> dict[int, int]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(consumer_positions.c.partition, consumer_positions.c.next_offset)
            .where(consumer_positions.c.consumer == name))).all()
    return {r.partition: r.next_offset for r in rows}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_each_event_is_applied_once_and_a_republished_one_is_skipped(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    envs = [visit_envelope(n) for n in range(30)]
    for env in envs:
        await send(producer, visits_topic, env)
    for env in envs[:5]:  # the relay published these twice: same ce_source + ce_id
        await send(producer, visits_topic, env)
    # Same id from another source is another event.
    other = visit_envelope("other-source", source="/supervision/elsewhere")
    await send(producer, visits_topic, Envelope(**{**other.__dict__, "id": envs[0].id}))

    name = unique("kit")
    calls: Counter[str] = Counter()
    running = await start_consumer(bootstrap, kit_db, name, name, [visits_topic],
                                   {VisitLogged.TYPE: recorder("a", calls)})
    try:
        await eventually(has(kit_db, lambda rows: len(rows) >= 31), 30, what="31 effects")
        end = await running.kafka.end_offsets([TopicPartition(visits_topic, p) for p in range(6)])
        expected = {tp.partition: off for tp, off in end.items() if off}

        async def positions_at_end() -> bool:
            return await stored_positions(kit_db, name) == expected

        await eventually(positions_at_end, 10, what="positions at the end of every partition")

        async def kafka_caught_up() -> bool:
            # Kafka's offsets are committed at an idle moment, after the database's positions.
            committed = {p: await running.kafka.committed(TopicPartition(visits_topic, p)) for p in expected}
            return committed == expected

        await eventually(kafka_caught_up, 10, what="Kafka's offsets follow the database's positions")
        await asyncio.sleep(0.5)  # anything still to come would show now
        stats = running.consumer.stats
    finally:
        await running.close()

    verdict = check([f"v{n}" for n in range(30)] + ["vother-source"], await applied(kit_db))
    assert verdict.ok, verdict
    assert stats.skipped_duplicates == 5 and stats.processed == 36 and stats.dead_lettered == 0
    assert max(calls.values()) == 1
    async with kit_db.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(processed_events)) == 31


async def test_a_malformed_record_goes_to_the_dlq_and_the_next_record_is_processed(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    key = b"one-partition"
    good = visit_envelope("good-1")
    headers = good.headers()
    complaint_type = [(k, ComplaintReceived.TYPE.encode() if k == "ce_type" else v) for k, v in headers]
    bad = [
        ("missing_headers", [("ce_type", VisitLogged.TYPE.encode())], good.value()),
        ("bad_json", visit_envelope("bj").headers(), b"{not json"),
        ("bad_specversion", [(k, b"0.3" if k == "ce_specversion" else v)
                             for k, v in visit_envelope("sv").headers()], good.value()),
        ("header_not_utf8", [*visit_envelope("nu").headers(), ("x-note", b"\xff\xfe")], good.value()),
        ("schema_mismatch", [(k, v) for k, v in complaint_type if k != "ce_id"]
         + [("ce_id", b"sm")], good.value()),
        ("unknown_type", [(k, b"cn.example.nope.v1" if k == "ce_type" else v)
                          for k, v in visit_envelope("ut").headers()], b"{}"),
    ]
    await send(producer, visits_topic, good, key=key)
    sent_offsets = {}
    for code, hdrs, value in bad:
        meta = await (await producer.send(visits_topic, value, key=key, headers=hdrs))
        sent_offsets[code] = meta.offset
    await send(producer, visits_topic, visit_envelope("good-2"), key=key)

    name = unique("kit")
    running = await start_consumer(bootstrap, kit_db, name, name, [visits_topic],
                                   {VisitLogged.TYPE: recorder("a")})
    relay = await start_relay(bootstrap, kit_db)
    try:
        await eventually(has(kit_db, lambda rows: "vgood-2" in rows), 30, what="the record after the poison")
        dlq = await wait_for_records(bootstrap, visits_topic + ".dlq", lambda rs: len(rs) >= len(bad), 20,
                                     what="the dead letters")
    finally:
        await relay.close()
        await running.close()

    assert await applied(kit_db) == ["vgood-1", "vgood-2"]
    assert len(dlq) == len(bad)
    by_code = {header(r, "dlq_code"): r for r in dlq}
    assert set(by_code) == {code for code, _, _ in bad}
    for code, _, value in bad:
        r = by_code[code]
        assert header(r, "dlq_reason"), code
        assert header(r, "dlq_consumer") == name
        assert header(r, "dlq_topic") == visits_topic
        assert header(r, "dlq_offset") == str(sent_offsets[code])
        assert r.value == value and r.key == key, "the original record is kept for replay"
    assert running.consumer.stats.dead_lettered == len(bad)
    # The position moved past everything, poison included: nothing will be re-read.
    positions = await stored_positions(kit_db, name)
    assert list(positions.values()) == [max(sent_offsets.values()) + 2]


async def test_a_handler_that_always_fails_is_parked_after_bounded_retries(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    key = b"one-partition"
    for env in (visit_envelope("before"), visit_envelope("poisoned", officer_id="poison"),
                visit_envelope("after")):
        await send(producer, visits_topic, env, key=key)
    calls: Counter[str] = Counter()
    name = unique("kit")
    running = await start_consumer(bootstrap, kit_db, name, name, [visits_topic],
                                   {VisitLogged.TYPE: recorder("a", calls)}, max_retries=3)
    relay = await start_relay(bootstrap, kit_db)
    try:
        await eventually(has(kit_db, lambda rows: "vafter" in rows), 30, what="the record after the poison")
        dlq = await wait_for_records(bootstrap, visits_topic + ".dlq", lambda rs: len(rs) >= 1, 20,
                                     what="the dead letter")
        await asyncio.sleep(0.5)
    finally:
        await relay.close()
        await running.close()

    # The failed batch was rolled back whole; each record was then applied alone, once.
    assert await applied(kit_db) == ["vbefore", "vafter"]
    # One try inside the batch, then max_retries tries alone: bounded, then parked.
    assert calls["vpoisoned"] == 1 + 3
    assert [header(r, "dlq_code") for r in dlq] == ["handler_failed"]
    assert "always fails on poison" in (header(dlq[0], "dlq_reason") or "")
    assert header(dlq[0], "ce_subject") == "vpoisoned"


async def test_a_batch_handler_gets_each_new_event_once_in_order_and_a_poison_is_parked(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    """`batch_handler`: every new event of a fetch in one call, duplicates already left out; a
    batch that fails is retried record by record (batches of one), the poison parked."""
    key = b"one-partition"  # one partition: the order the handler sees is the order sent
    envs = [visit_envelope(n) for n in range(20)]
    for env in envs[:10]:
        await send(producer, visits_topic, env, key=key)
    await send(producer, visits_topic, envs[3], key=key)  # a republished copy: skipped
    await send(producer, visits_topic, visit_envelope("poisoned", officer_id="poison"), key=key)
    for env in envs[10:]:
        await send(producer, visits_topic, env, key=key)
    calls: Counter[str] = Counter()
    sizes: list[int] = []
    each = recorder("batch", calls)

    async def batch(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        sizes.append(len(deliveries))
        for env, payload in deliveries:
            await each(session, env, payload)

    name = unique("kit")
    running = await start_consumer(bootstrap, kit_db, name, name, [visits_topic],
                                   {VisitLogged.TYPE: each}, batch_handler=batch)
    relay = await start_relay(bootstrap, kit_db)
    try:
        await eventually(has(kit_db, lambda rows: len(rows) >= 20), 30, what="20 effects")
        dlq = await wait_for_records(bootstrap, visits_topic + ".dlq", lambda rs: len(rs) >= 1, 20,
                                     what="the dead letter")
        await asyncio.sleep(0.5)
    finally:
        await relay.close()
        await running.close()

    assert await applied(kit_db) == [f"v{n}" for n in range(20)]
    assert calls["vpoisoned"] == 1 + 3 and max(c for v, c in calls.items() if v != "vpoisoned") <= 2
    assert [header(r, "ce_subject") for r in dlq] == ["vpoisoned"]
    assert max(sizes) > 1, "the fetch reached the handler as a batch"
    assert running.consumer.stats.skipped_duplicates >= 1


async def test_a_restarted_consumer_resumes_from_its_stored_position(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    name = unique("kit")
    first = await start_consumer(bootstrap, kit_db, name, unique("group"), [visits_topic],
                                 {VisitLogged.TYPE: recorder("first")})
    try:
        for n in range(20):
            await send(producer, visits_topic, visit_envelope(n))
        await eventually(has(kit_db, lambda rows: len(rows) >= 20), 30, what="the first 20")
    finally:
        await first.close()
    # Take away both other safety nets: no dedupe rows, and a new group with no Kafka offsets
    # (auto_offset_reset=earliest). Only the stored position stands between us and a replay.
    async with kit_db.engine.begin() as conn:
        await conn.execute(processed_events.delete())
    second: RunningConsumer = await start_consumer(
        bootstrap, kit_db, name, unique("group"), [visits_topic], {VisitLogged.TYPE: recorder("second")})
    try:
        for n in range(20, 30):
            await send(producer, visits_topic, visit_envelope(n))
        await eventually(has(kit_db, lambda rows: len(rows) >= 30), 30, what="the next 10")
        await asyncio.sleep(0.5)
    finally:
        await second.close()
    verdict = check([f"v{n}" for n in range(30)], await applied(kit_db))
    assert verdict.ok, verdict
    assert await applied_by(kit_db) == Counter({"first": 20, "second": 10})
    assert second.consumer.stats.processed == 10 and second.consumer.stats.skipped_duplicates == 0


async def test_rebalance_churn_applies_every_event_exactly_once(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    name = group = unique("kit")
    handlers = {label: {VisitLogged.TYPE: recorder(label)} for label in ("a", "b", "c")}
    a = await start_consumer(bootstrap, kit_db, name, group, [visits_topic], handlers["a"], client_id="a")
    b = await start_consumer(bootstrap, kit_db, name, group, [visits_topic], handlers["b"], client_id="b")
    c: RunningConsumer | None = None
    total = 600
    try:
        await eventually(lambda: _both_assigned(a, b), 20, what="both consumers to share the partitions")

        async def produce() -> None:
            for n in range(total):
                await producer.send(visits_topic, *_record(visit_envelope(n)))
                if n % 25 == 24:
                    await producer.flush()
                    await asyncio.sleep(0.05)
            await producer.flush()

        producing = asyncio.create_task(produce())
        await eventually(has(kit_db, lambda rows: len(rows) >= 150), 30, what="a quarter applied")
        await b.close()  # one member leaves mid-stream: its partitions move to a
        await eventually(has(kit_db, lambda rows: len(rows) >= 300), 30, what="half applied")
        c = await start_consumer(bootstrap, kit_db, name, group, [visits_topic], handlers["c"],
                                 client_id="c")  # and another joins: partitions move again
        await producing
        await eventually(has(kit_db, lambda rows: len(rows) >= total), 60, what="every event applied")
        await asyncio.sleep(1.0)
    finally:
        await a.close()
        await b.close()
        if c is not None:
            await c.close()
    verdict = check([f"v{n}" for n in range(total)], await applied(kit_db))
    assert verdict.ok, verdict
    by = await applied_by(kit_db)
    assert by["a"] > 0 and by["b"] > 0, f"both original members did work: {by}"


async def _both_assigned(*consumers: RunningConsumer) -> bool:
    return all(c.kafka.assignment() for c in consumers)


def _record(env: Envelope) -> tuple[bytes, bytes, None, None, list[tuple[str, bytes]]]:
    return env.value(), env.key, None, None, env.headers()


async def test_replaying_a_parked_record_does_not_block_its_partition(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str, producer: AIOKafkaProducer
) -> None:
    """A record read again after it was parked (a rewind, a lost commit acknowledgement, an operator's
    replay) is parked already: it must not stop the partition behind it."""
    key = b"one-partition"
    await producer.send_and_wait(visits_topic, b"{not json", key=key, headers=visit_envelope("x").headers())
    await send(producer, visits_topic, visit_envelope("first"), key=key)
    name = unique("kit")
    first = await start_consumer(bootstrap, kit_db, name, unique("group"), [visits_topic],
                                 {VisitLogged.TYPE: recorder("a")})
    try:
        await eventually(has(kit_db, lambda rows: "vfirst" in rows), 30, what="the first pass")
    finally:
        await first.close()
    async with kit_db.engine.begin() as conn:  # replay the partition from the start
        await conn.execute(consumer_positions.update().values(next_offset=0))
    await send(producer, visits_topic, visit_envelope("second"), key=key)
    second = await start_consumer(bootstrap, kit_db, name, unique("group"), [visits_topic],
                                  {VisitLogged.TYPE: recorder("a")})
    try:
        await eventually(has(kit_db, lambda rows: "vsecond" in rows), 20, what="the record behind the poison")
    finally:
        await second.close()
    assert await applied(kit_db) == ["vfirst", "vsecond"]
    async with kit_db.engine.connect() as conn:
        parked = (await conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'dead_letter'")))
        assert parked.scalar() == 1, "parked once"
