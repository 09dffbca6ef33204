"""A consumer fetch handled as a batch (service_layer/problem_events.py): the problems opened
together are staffed by one solve, other events keep their place in the order, every event out
is per problem with its own time and trace, and competing problems are staffed one by one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from services.pairing.domain.model import Context, PairingInput
from services.pairing.service_layer.periods import china_day, round_of_day
from services.pairing.service_layer.state import current_input
from shared.consumer import Delivery
from shared.events.catalog import Payload
from shared.outbox.writer import envelope_for
from shared.tracing import trace_id
from tests.integration.pairing.harness import LEDGER_SOURCE, Pairing, at, officer, opened, status_changed

pytestmark = pytest.mark.infra

ZHANGPU, YUNXIAO = "350623", "350622"
SHITOU, YUANDONG, LINQIAN, TANGPING = "350623101226", "350623102201", "350623104210", "350622100201"
NANZHAO = "350624100201"  # 诏安县南诏镇, where no other test sends a team
REGISTRY = [
    officer("T-JZ", "township", "旧镇镇纪委", ZHANGPU, "350623101", skills=["finance", "law"]),
    officer("T-FT", "township", "佛昙镇纪委", ZHANGPU, "350623102", skills=["finance"]),
    officer("T-SA", "township", "绥安镇纪委", ZHANGPU, "350623100", skills=["finance", "conduct"]),
    officer("T-DX", "township", "杜浔镇纪委", ZHANGPU, "350623104", skills=["law", "finance"]),
    officer("C-ZP", "county_dept", "漳浦县纪委监委党风政风监督室", ZHANGPU, skills=["finance"]),
    officer("C-ZA", "county_dept", "诏安县纪委监委监督室", "350624", skills=["finance", "law"]),
    # 云霄县: room for one team of two, for two escalated (提级) problems that compete for it
    officer("C-YX-1", "county_dept", "云霄县纪委监委监督室", YUNXIAO, skills=["finance"], capacity=1),
    officer("C-YX-2", "dispatched_group", "云霄县纪委监委派驻组", YUNXIAO, skills=["law"], capacity=1),
]
WHEN = at(2025, 5, 6)


@pytest.fixture(scope="module")
async def registered(pairing: Pairing) -> AsyncIterator[Pairing]:
    for body in REGISTRY:
        await pairing.call("PUT", f"/officers/{body['id']}", json=body)
    yield pairing


def deliveries(*payloads: Payload) -> list[Delivery]:
    return [(envelope_for(p, LEDGER_SOURCE), p) for p in payloads]


async def handle(p: Pairing, batch: Sequence[Delivery]) -> None:
    """The fetch as the consumer hands it over: one transaction, the spec's batch handler."""
    [spec] = p.app.state.runtime.consumer_specs
    async with p.app.state.runtime.sessions() as session, session.begin():
        await spec.batch(session, batch)


async def status(p: Pairing, problem_id: str) -> str:
    return str(await p.scalar("SELECT status FROM problems WHERE id = :p", p=problem_id))


async def staged(p: Pairing, problem_id: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    rows = await p.rows("SELECT value, headers FROM outbox WHERE aggregate_id = :p ORDER BY id", p=problem_id)
    return [(json.loads(bytes(r.value)), dict(r.headers)) for r in rows]


async def test_competing_problems_are_staffed_one_by_one(registered: Pairing) -> None:
    """Together, the two 提级 problems need four places where 云霄县 has two: the joint solve's
    certificate names both. One by one, the first gets the team and only the second escalates.
    (First in the module: other problems may take 云霄县's two places.)"""
    first = opened(TANGPING, "conduct", when=WHEN, escalate_up=True)
    second = opened(TANGPING, "conduct", when=WHEN, escalate_up=True)
    await handle(registered, deliveries(first, second))
    assert await status(registered, first.problem_id) == "assigned"
    assert await status(registered, second.problem_id) == "unstaffable"
    [(event, _)] = await staged(registered, second.problem_id)
    assert event["certificate"]["slots"][0][0] == second.problem_id
    [escalation] = await registered.rows("SELECT id FROM escalations WHERE problem_id = :p",
                                         p=second.problem_id)
    checked = await registered.call("GET", f"/audit/escalations/{escalation.id}")
    assert checked["valid"] is True


async def test_problems_opened_together_share_one_solve_and_keep_their_order(registered: Pairing) -> None:
    a = opened(SHITOU, "sanzi", when=WHEN)
    b = opened(YUANDONG, "livelihood", when=at(2025, 5, 6, 11))
    c = opened(LINQIAN, "conduct", when=at(2025, 5, 6, 12))
    batch = deliveries(a, b, status_changed(a, "reviewed", "closed", at(2025, 5, 6, 13)), c)
    await handle(registered, batch)

    teams = {r.problem_id: r for r in await registered.rows(
        "SELECT problem_id, solve_id, id FROM assignments WHERE problem_id = ANY(:p)",
        p=[a.problem_id, b.problem_id, c.problem_id])}
    assert set(teams) == {a.problem_id, b.problem_id, c.problem_id}
    assert teams[a.problem_id].solve_id == teams[b.problem_id].solve_id != teams[c.problem_id].solve_id
    # the close came after A's team, and before C's solve: A's members hold nothing any more
    assert await status(registered, a.problem_id) == "closed"
    assert await registered.scalar(
        "SELECT count(*) FROM memberships WHERE problem_id = :p AND open", p=a.problem_id) == 0

    for (env, payload), problem in zip(batch[:2] + batch[3:], (a, b, c), strict=True):
        [(event, headers)] = await staged(registered, problem.problem_id)
        assert event["problem_id"] == problem.problem_id
        assert event["at"] == payload.opened_at.isoformat()  # type: ignore[attr-defined]
        assert trace_id(headers["traceparent"]) == trace_id(env.traceparent)
    # the shared solve replays to the same bytes
    audit = await registered.call("GET", f"/audit/assignments/{teams[b.problem_id].id}?replay=true")
    assert audit["violations"] == [] and audit["replay"]["identical"] is True


async def test_a_problem_seen_twice_is_staffed_once(registered: Pairing) -> None:
    a = opened(SHITOU, "other", when=WHEN)
    await handle(registered, deliveries(a, a))
    await handle(registered, deliveries(a))  # a replay under another event id
    assert await registered.scalar("SELECT count(*) FROM assignments WHERE problem_id = :p",
                                   p=a.problem_id) == 1
    assert len(await staged(registered, a.problem_id)) == 1


async def test_nobody_is_sent_twice_to_one_town(registered: Pairing) -> None:
    """Together, 诏安县's own officer would be the cheapest lead of both problems in 南诏镇; one
    after the other, his first team puts him under the rotation rule (近M轮派往本镇) for the
    second, and so it is: problems of one town are not solved together."""
    first = opened(NANZHAO, "sanzi", when=at(2025, 5, 7))
    second = opened(NANZHAO, "livelihood", when=at(2025, 5, 7))
    await handle(registered, deliveries(first, second))
    rows = await registered.rows(
        "SELECT problem_id, solve_id, members FROM assignments WHERE problem_id = ANY(:p)",
        p=[first.problem_id, second.problem_id])
    assert len(rows) == 2 and rows[0].solve_id != rows[1].solve_id
    teams = [{m["officer_id"] for m in r.members} for r in rows]
    assert "C-ZA" in teams[0] | teams[1] and not teams[0] & teams[1]


async def inputs(p: Pairing) -> tuple[PairingInput, PairingInput]:
    """The input as the process keeps it, and as read afresh."""
    ctx = p.app.state.pairing
    context = Context(as_of=china_day(WHEN), round=round_of_day(china_day(WHEN)))
    async with p.app.state.runtime.sessions() as session, session.begin():
        kept, _ = await current_input(session, ctx, [], context)
        ctx.held = None
        fresh, _ = await current_input(session, ctx, [], context)
    return kept, fresh


def same(kept: PairingInput, fresh: PairingInput) -> bool:
    return set(kept.history) == set(fresh.history) and len(kept.history) == len(fresh.history) and \
        kept.open_cases == fresh.open_cases


async def test_the_memberships_kept_are_those_stored(registered: Pairing) -> None:
    """What the process keeps between solves (memberships.py) is what the table holds: after its
    own teams, after a rolled-back fetch, after a close."""
    a, b = opened(NANZHAO, "sanzi", when=WHEN), opened(NANZHAO, "benefits", when=WHEN)
    await handle(registered, deliveries(a))
    assert await status(registered, a.problem_id) == "assigned"
    kept, fresh = await inputs(registered)
    assert same(kept, fresh)
    assert a.problem_id in {h.problem_id for h in kept.history}

    [spec] = registered.app.state.runtime.consumer_specs
    async with registered.app.state.runtime.sessions() as session, session.begin():
        await spec.batch(session, deliveries(b))
        await session.rollback()
    kept, fresh = await inputs(registered)
    assert b.problem_id not in {h.problem_id for h in kept.history}
    assert same(kept, fresh)

    await handle(registered, deliveries(status_changed(a, "reviewed", "closed", WHEN)))
    kept, fresh = await inputs(registered)
    assert same(kept, fresh)
