"""Randomised incremental staffing (incremental_q): every chance capped at q, the draw seeded by
the input digest and the ProblemOpened event id, re-derivable by the audit; where no draw can
respect q, the exact team is given and the fallback recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from fractions import Fraction
from typing import Any

import pytest

from shared.outbox.writer import envelope_for
from tests.integration.pairing.harness import LEDGER_SOURCE, Pairing, at, officer, opened

pytestmark = pytest.mark.infra

ZHANGPU = "350623"
REGISTRY = [
    officer("A-1", "township", "佛昙镇纪委", ZHANGPU, "350623102", skills=["law"]),
    officer("A-2", "township", "绥安镇纪委", ZHANGPU, "350623100", skills=["finance"]),
    officer("A-3", "township", "绥安镇纪委", ZHANGPU, "350623100", skills=["finance", "law"]),
    officer("A-4", "township", "杜浔镇纪委", ZHANGPU, "350623104", skills=["finance"]),
    officer("C-1", "county_dept", "漳浦县纪委监委第一监督检查室", ZHANGPU, skills=["finance"]),
    officer("C-2", "dispatched_group", "漳浦县纪委监委派驻第一纪检监察组", ZHANGPU, skills=["law"]),
]


@pytest.fixture(scope="module")
def pairing_settings() -> dict[str, Any]:
    return {"incremental_q": "1/2"}


@pytest.fixture(scope="module")
async def registered(pairing: Pairing) -> AsyncIterator[Pairing]:
    for body in REGISTRY:
        await pairing.call("PUT", f"/officers/{body['id']}", json=body)
    yield pairing


async def test_an_opened_problem_is_drawn_with_capped_chances(registered: Pairing) -> None:
    problem = opened("350623101226", "sanzi", when=at(2025, 6, 2))
    [env] = await registered.send(problem)
    item = (await registered.staffed(problem.problem_id))["items"][0]
    assert item["mode"] == "randomised" and item["q"] == "1/2"
    odds = {o: Fraction(v) for o, v in item["explanation"]["probabilities"]}
    assert max(odds.values()) <= Fraction(1, 2) and sum(odds.values()) == 2
    assert all(Fraction(m["probability"]) == odds[m["officer_id"]] for m in item["members"])
    audit = await registered.call("GET", f"/audit/assignments/{item['assignment_id']}?replay=true")
    assert audit["violations"] == [] and audit["replay"] == {"identical": True, "seed": item["seed"]}
    # The draw's published value is the event id; the audit's replay above re-derived the seed.
    solve = await registered.rows("SELECT published_value, seed FROM solves WHERE id = :s",
                                  s=item["explanation"]["solve_id"])
    assert solve[0].published_value == env.id and solve[0].seed == item["seed"]
    events = await registered.events("team.assigned.v1")
    [event] = [e for e in events if e["problem_id"] == problem.problem_id]
    assert event["q"] == "1/2" and event["seed"] == item["seed"]
    assert {m["officer_id"]: m["probability"] for m in event["members"]} == {
        m["officer_id"]: m["probability"] for m in item["members"]}


async def test_a_pool_too_small_for_q_gets_the_exact_team(registered: Pairing) -> None:
    problem = opened("350623102201", "conduct", when=at(2025, 6, 3), escalate_up=True)
    await registered.send(problem)
    item = (await registered.staffed(problem.problem_id))["items"][0]
    assert item["mode"] == "exact" and {m["officer_id"] for m in item["members"]} == {"C-1", "C-2"}
    stats = await registered.scalar("SELECT stats FROM solves WHERE id = :s",
                                    s=item["explanation"]["solve_id"])
    assert stats["randomised_infeasible_q"] == "1/2"


async def test_problems_opened_together_are_still_drawn_one_by_one(registered: Pairing) -> None:
    """A draw's published value is its own event id, so a fetch's problems are not pooled."""
    problems = [opened("350623101226", "sanzi", when=at(2025, 6, 4)),
                opened("350623104210", "livelihood", when=at(2025, 6, 4))]
    batch = [(envelope_for(p, LEDGER_SOURCE), p) for p in problems]
    [spec] = registered.app.state.runtime.consumer_specs
    async with registered.app.state.runtime.sessions() as session, session.begin():
        await spec.batch(session, batch)
    for env, problem in batch:
        [solve] = await registered.rows(
            "SELECT s.published_value, s.mode FROM solves s JOIN assignments a ON a.solve_id = s.id "
            "WHERE a.problem_id = :p", p=problem.problem_id)
        assert (solve.published_value, solve.mode) == (env.id, "randomised")
