"""The outbox relay on real PostgreSQL and Kafka: what it publishes, how fast, and how safely."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from shared.events.catalog import VisitLogged, parse
from shared.events.envelope import CONTENT_TYPE, Envelope
from shared.kafka import make_producer
from shared.outbox.schema import outbox
from shared.outbox.writer import stage
from tests.support.kitdb import KitDatabase
from tests.support.kitrun import eventually, start_relay, visit
from tests.support.topics import header, read_all

pytestmark = pytest.mark.infra

SOURCE = "/supervision/kit-test"


async def unpublished(db: KitDatabase) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0)


def all_published(db: KitDatabase) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return await unpublished(db) == 0

    return probe


async def test_relay_publishes_staged_rows_with_cloudevents_headers_and_marks_them(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str
) -> None:
    # 8 aggregates x 5 events, staged in two transactions; order per aggregate must survive.
    staged: dict[str, Envelope] = {}
    for half in (range(0, 3), range(3, 5)):
        async with kit_db.sessions() as session, session.begin():
            for seq in half:
                for agg in range(8):
                    env = await stage(session, visit(agg, seq=seq), SOURCE)
                    staged[env.id] = env
    relay = await start_relay(bootstrap, kit_db)
    try:
        await eventually(all_published(kit_db), 15, what="every row published")
    finally:
        await relay.close()

    records = await read_all(bootstrap, visits_topic)
    assert len(records) == len(staged) == 40
    seqs: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for r in records:
        ce_id = header(r, "ce_id")
        assert ce_id in staged, "every record is a staged event, once"
        env = staged.pop(ce_id)
        assert header(r, "ce_source") == SOURCE
        assert header(r, "ce_type") == VisitLogged.TYPE
        assert header(r, "ce_specversion") == "1.0"
        assert header(r, "ce_subject") == env.subject
        assert header(r, "content-type") == CONTENT_TYPE
        assert header(r, "ce_time") and header(r, "traceparent")
        assert r.key == env.subject.encode(), "the key is the aggregate id"
        back = Envelope.from_record(r.headers, r.value)
        assert back == env
        payload = parse(back)
        assert isinstance(payload, VisitLogged)
        seqs[payload.visit_id].append(payload.households_visited)
        partitions[payload.visit_id].add(r.partition)
    assert not staged
    assert all(s == sorted(s) for s in seqs.values()), "one aggregate's events keep their order"
    assert all(len(p) == 1 for p in partitions.values()), "one aggregate stays on one partition"
    assert len({p for ps in partitions.values() for p in ps}) > 1, "aggregates spread over partitions"

    async with kit_db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.published_at, outbox.c.created_at))).all()
    assert len(rows) == 40 and all(r.published_at >= r.created_at for r in rows)
    assert relay.relay.stats.published == 40


async def test_listen_notify_wakes_the_relay_well_before_the_fallback_poll(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str
) -> None:
    relay = await start_relay(bootstrap, kit_db, fallback_poll_seconds=2.0)
    latencies = []
    try:
        await eventually(all_published(kit_db), 10, what="an idle relay")
        for n in range(5):
            # Each row is committed right after the previous one was published, i.e. while the relay
            # has just gone back to sleep: without a NOTIFY it would wait out the 2 s poll.
            async with kit_db.sessions() as session, session.begin():
                await stage(session, visit(f"fast-{n}"), SOURCE)
            committed = time.monotonic()
            await eventually(all_published(kit_db), 5, interval=0.01,
                             what="the row to be published")
            latencies.append(time.monotonic() - committed)
    finally:
        await relay.close()
    assert max(latencies) < 1.0, f"publish latencies {latencies}"
    records = await read_all(bootstrap, visits_topic)
    assert sorted(header(r, "ce_subject") or "" for r in records) == [f"vfast-{n}" for n in range(5)]


async def test_producers_are_idempotent_with_acks_all(bootstrap: str, visits_topic: str) -> None:
    producer: AIOKafkaProducer = make_producer(bootstrap, "kit-config-check")
    assert producer._sender._acks == -1, "acks=all"
    assert producer._txn_manager is not None, "idempotence enabled"
    await producer.start()
    try:
        await producer.send_and_wait(visits_topic, b"{}", key=b"k")
        # The broker handed out a producer id: sequence numbers now deduplicate retried batches.
        assert producer._txn_manager.has_pid()
        assert producer._txn_manager.producer_id >= 0
    finally:
        await producer.stop()


async def test_a_rolled_back_transaction_publishes_nothing(
    kit_db: KitDatabase, visits_topic: str, bootstrap: str
) -> None:
    relay = await start_relay(bootstrap, kit_db)
    try:
        with pytest.raises(RuntimeError):
            async with kit_db.sessions() as session, session.begin():
                await stage(session, visit("rolled-back"), SOURCE)
                raise RuntimeError("the state change failed")
        async with kit_db.sessions() as session, session.begin():
            await stage(session, visit("committed"), SOURCE)
        await eventually(all_published(kit_db), 10, what="the committed row")
    finally:
        await relay.close()
    records = await read_all(bootstrap, visits_topic)
    assert [header(r, "ce_subject") for r in records] == ["vcommitted"]
