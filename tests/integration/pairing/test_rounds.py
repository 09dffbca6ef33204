"""Batch staffing (批量派组) on Zhangzhou's real towns: the problems the ledger opens wait for the
period's round; POST /rounds staffs them all exactly, or draws them with every chance capped at
q, or (on_infeasible=reject) refuses with the certificates and records nothing."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from fractions import Fraction
from typing import Any

import pytest

from deploy.local.demo import DIVISIONS, demo_officers
from shared.events.catalog import ProblemOpened
from tests.integration.pairing.harness import Pairing, at, eventually, opened

pytestmark = pytest.mark.infra
CATEGORIES = ("sanzi", "bidding", "conduct", "benefits", "ecology", "livelihood", "other")


@pytest.fixture(scope="module")
def pairing_settings() -> dict[str, Any]:
    return {"staffing": "batch"}


def villages(step: int) -> list[str]:
    with (DIVISIONS / "zhangzhou_villages.csv").open(encoding="utf-8") as fh:
        codes = [r["code"] for r in csv.DictReader(fh)]
    return codes[::step]


@pytest.fixture(scope="module")
async def zhangzhou(pairing: Pairing) -> AsyncIterator[Pairing]:
    """The demo registry (two officers per town of Zhangzhou, three per county), imported as CSV."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "name", "kind", "unit", "county_code", "town_code", "skills", "capacity"])
    for o in demo_officers():
        writer.writerow([o["id"], o["name"], o["kind"], o["unit"], o["county_code"], o["town_code"] or "",
                         ";".join(o["skills"]), o["capacity"]])
    report = await pairing.call("POST", "/officers/import", content=buf.getvalue().encode())
    assert report["created"] == 146 * 2 + 11 * 3
    yield pairing


async def open_problems(p: Pairing, codes: list[str], month: int, escalate: bool = False
                        ) -> list[ProblemOpened]:
    """Problems in real villages, every category; with `escalate` every ninth is 提级."""
    problems = [opened(code, CATEGORIES[i % len(CATEGORIES)], when=at(2025, month, 3 + i % 20),
                       escalate_up=escalate and i % 9 == 4) for i, code in enumerate(codes)]
    await p.send(*problems)
    ids = [x.problem_id for x in problems]

    async def waiting() -> bool:
        n = await p.scalar("SELECT count(*) FROM problems WHERE status = 'pending' AND id = ANY(:ids)",
                           ids=ids)
        return bool(n == len(ids))

    await eventually(waiting, 30, "the problems to wait for their round")
    return problems


async def test_an_exact_round_staffs_every_open_problem_or_proves_it_cannot(zhangzhou: Pairing) -> None:
    problems = await open_problems(zhangzhou, villages(71)[:30], 3, escalate=True)
    r = await zhangzhou.call("POST", "/rounds", 201, json={"period": "2025-03", "as_of": "2025-03-31"})
    town = {x.problem_id: x.place.town_code for x in problems}
    escalated = {x.problem_id for x in problems if x.escalate_up}
    assert (r["problems"], r["assigned"] + r["escalated"], r["mode"]) == (30, 30, "exact")
    # Only 提级 cases can lack a team here: their county's three officers may miss a skill.
    assert {e["problem_id"] for e in r["escalations"]} <= escalated
    for e in r["escalations"]:
        assert (await zhangzhou.call("GET", f"/audit/escalations/{e['escalation_id']}"))["valid"] is True
    officers = {o["id"]: o for o in demo_officers()}
    for a in r["assignments"]:
        assert len(a["members"]) == 2 and {m["probability"] for m in a["members"]} == {"1/1"}
        for m in a["members"]:
            assert m["town_code"] != town[a["problem_id"]]
            if a["problem_id"] in escalated:  # 提级: county officers of the problem's own county
                assert officers[m["officer_id"]]["kind"] != "township"
                assert officers[m["officer_id"]]["county_code"] == town[a["problem_id"]][:6]
    assert (await zhangzhou.call("GET", f"/rounds/{r['round_id']}")) == r
    events = {e["problem_id"] for e in await zhangzhou.events("team.assigned.v1")}
    assert events >= {a["problem_id"] for a in r["assignments"]}
    first = r["assignments"][0]["assignment_id"]
    audit = await zhangzhou.call("GET", f"/audit/assignments/{first}?replay=true")
    assert audit["violations"] == [] and audit["exclusions_match"] and audit["replay"]["identical"]
    nothing = await zhangzhou.call("POST", "/rounds", 409, json={"period": "2025-03"})
    assert nothing["error"]["code"] == "no_open_problems"


async def test_a_randomised_round_caps_every_chance_and_can_be_rederived(zhangzhou: Pairing) -> None:
    await open_problems(zhangzhou, villages(67)[:20], 4)
    body = {"period": "2025-04", "as_of": "2025-04-30", "mode": "randomised", "q": "1/3",
            "published_value": "2025-05-01 福彩3D 417"}
    r = await zhangzhou.call("POST", "/rounds", 201, json=body)
    assert (r["assigned"], r["escalated"], r["q"]) == (20, 0, "1/3") and len(r["seed"]) == 64
    for a in r["assignments"]:
        assert all(Fraction(m["probability"]) <= Fraction(1, 3) for m in a["members"])
        stored = (await zhangzhou.call("GET", f"/assignments/{a['problem_id']}"))["items"][0]
        odds = [Fraction(v) for _, v in stored["explanation"]["probabilities"]]
        assert max(odds) <= Fraction(1, 3) and sum(odds) == 2  # two slots, each filled surely
        assert stored["seed"] == r["seed"] and stored["q"] == "1/3"
    sixth = r["assignments"][5]["assignment_id"]
    audit = await zhangzhou.call("GET", f"/audit/assignments/{sixth}?replay=true")
    assert audit["replay"] == {"identical": True, "seed": r["seed"]}
    per_officer: dict[str, int] = defaultdict(int)
    for a in r["assignments"]:
        for m in a["members"]:
            per_officer[m["officer_id"]] += 1
    assert max(per_officer.values()) <= 10  # capacities hold


async def test_a_rejected_round_records_nothing(zhangzhou: Pairing) -> None:
    problems = await open_problems(zhangzhou, villages(61)[:3], 5)
    body = {"period": "2025-05", "mode": "randomised", "q": "1/1000", "published_value": "x",
            "on_infeasible": "reject"}
    refused = await zhangzhou.call("POST", "/rounds", 409, json=body)
    assert refused["error"]["code"] == "round_infeasible" and refused["error"]["details"]
    assert all(d["q"] == "1/1000" and Fraction(d["bound"]) < d["need"] for d in refused["error"]["details"])
    for x in problems:
        state = await zhangzhou.call("GET", f"/assignments/{x.problem_id}")
        assert state["status"] == "pending" and state["items"] == [] and state["escalations"] == []
    r = await zhangzhou.call("POST", "/rounds", 201, json={"period": "2025-05", "as_of": "2025-05-31"})
    assert r["assigned"] == 3
