"""The live pairing service: ProblemOpened in, TeamAssigned or TeamUnstaffable out, explained,
audited, recused, and capacity released when the ledger closes a problem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.pairing.harness import (
    OFFICER,
    Pairing,
    at,
    eventually,
    officer,
    opened,
    status_changed,
)

pytestmark = pytest.mark.infra

ZHANGPU, YUNXIAO = "350623", "350622"
JIUZHEN, FOTAN, SUIAN, DUXUN = "350623101", "350623102", "350623100", "350623104"
SHITOU, YUANDONG, TANGPING = "350623101226", "350623102201", "350622100201"
COUNTY_UNIT = "漳浦县纪委监委党风政风监督室"
GROUP_UNIT = "漳浦县纪委监委派驻第一纪检监察组"
SUBJECT = "狮头村会计王某"
REGISTRY = [
    officer("T-JZ-1", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN, skills=["finance", "law"]),
    officer("T-JZ-2", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN, skills=["finance"]),
    officer("T-FT-1", "township", "佛昙镇纪委", ZHANGPU, FOTAN, skills=["finance"],
            native_village_code=SHITOU),
    officer("T-FT-2", "township", "佛昙镇纪委", ZHANGPU, FOTAN, skills=["law"]),
    officer("T-SA-1", "township", "绥安镇纪委", ZHANGPU, SUIAN, skills=["finance", "conduct"]),
    officer("T-SA-2", "township", "绥安镇纪委", ZHANGPU, SUIAN, skills=["engineering", "finance"]),
    officer("T-DX-1", "township", "杜浔镇纪委", ZHANGPU, DUXUN, skills=["finance"], past_posts=[
        {"unit": "旧镇镇纪委", "county_code": ZHANGPU, "town_code": JIUZHEN,
         "start": "2019-01-01", "end": "2023-06-30"}]),
    officer("C-ZP-1", "county_dept", COUNTY_UNIT, ZHANGPU, skills=["finance"], capacity=6),
    officer("C-ZP-2", "dispatched_group", GROUP_UNIT, ZHANGPU, skills=["law"], capacity=6),
    officer("C-YX-1", "county_dept", "云霄县纪委监委党风政风监督室", YUNXIAO, skills=["finance"]),
    officer("V-YD-1", "village_supervisor", "园东村监委会", ZHANGPU, village_code=YUANDONG,
            skills=["conduct"]),
]
WHEN = at(2025, 3, 10)


@pytest.fixture(scope="module")
async def scenario(pairing: Pairing) -> AsyncIterator[dict[str, Any]]:
    """The registry, then three problems: a 三资 case in 旧镇镇 (A), a 提级 case in 佛昙镇 (B)
    and a 提级 case in 云霄县, whose county has one officer for a team of two (C)."""
    for body in REGISTRY:
        await pairing.call("PUT", f"/officers/{body['id']}", json=body)
    await pairing.call("POST", "/officers/T-SA-2/relations", 201,
                       json={"kind": "kin", "target_kind": "person", "target": SUBJECT})
    a = opened(SHITOU, "sanzi", when=WHEN, subject=SUBJECT)
    b = opened(YUANDONG, "conduct", when=WHEN, escalate_up=True)
    c = opened(TANGPING, "conduct", when=WHEN, escalate_up=True)
    await pairing.send(a, b, c)
    yield {"A": a, "B": b, "C": c,
           "decisions": {k: await pairing.staffed(p.problem_id) for k, p in (("A", a), ("B", b), ("C", c))}}


def team(decision: dict[str, Any]) -> dict[str, str]:
    active = [i for i in decision["items"] if i["active"]]
    assert len(active) == 1
    return {m["officer_id"]: m["role"] for m in active[0]["members"]}


async def test_opened_problem_gets_a_conflict_free_team_with_its_explanation(
        pairing: Pairing, scenario: dict[str, Any]) -> None:
    a = scenario["A"]
    decision = scenario["decisions"]["A"]
    members = team(decision)
    assert sorted(members.values()) == ["finance", "lead"]
    # own town, native town, served there within 3 years, kin of the person complained about
    assert not set(members) & {"T-JZ-1", "T-JZ-2", "T-FT-1", "T-DX-1", "T-SA-2"}
    item = decision["items"][0]
    assert item["mode"] == "exact" and item["seed"] is None
    assert item["explanation"]["eligible_pool"] == 5  # T-FT-2, T-SA-1, C-ZP-1, C-ZP-2, C-YX-1
    assert item["explanation"]["exclusions"] == {
        "same_town": 2, "native_town": 1, "native_village": 1, "served_within_n_years": 1,
        "declared_relation_subject": 1,
    }
    for m in item["members"]:
        assert m["probability"] == "1/1"
        assert m["cost"]["real"] == m["cost"]["travel"] + m["cost"]["mismatch"] + m["cost"]["recency"] + \
            m["cost"]["load"]

    events = [e for e in await pairing.events("team.assigned.v1") if e["problem_id"] == a.problem_id]
    assert len(events) == 1
    event = events[0]
    assert event["assignment_id"] == item["assignment_id"]
    assert event["eligible_pool"] == 5 and event["exclusions"] == item["explanation"]["exclusions"]
    assert {m["officer_id"]: m["role"] for m in event["members"]} == members
    assert all(m["probability"] == "1/1" and m["town_code"] != JIUZHEN for m in event["members"])


async def test_an_escalated_problem_gets_only_county_officers_of_its_county(scenario: dict[str, Any]) -> None:
    """提级: a complaint about a township commission is handled from the county above."""
    assert set(team(scenario["decisions"]["B"])) == {"C-ZP-1", "C-ZP-2"}


async def test_no_eligible_team_emits_a_checkable_certificate(pairing: Pairing,
                                                              scenario: dict[str, Any]) -> None:
    c = scenario["C"]
    decision = scenario["decisions"]["C"]
    assert decision["items"] == [] and decision["status"] == "unstaffable"
    [escalation] = decision["escalations"]
    assert escalation["certificate"]["need"] == 2 and escalation["certificate"]["bound"] == "1/1"
    assert escalation["certificate"]["officers"] == [["C-YX-1", "1/1"]]
    events = [e for e in await pairing.events("team.unstaffable.v1") if e["problem_id"] == c.problem_id]
    assert len(events) == 1 and events[0]["certificate"] == escalation["certificate"]
    checked = await pairing.call("GET", f"/audit/escalations/{escalation['escalation_id']}")
    assert checked["valid"] is True


async def test_the_independent_audit_rederives_the_exclusions_and_the_bytes(
        pairing: Pairing, scenario: dict[str, Any]) -> None:
    item = scenario["decisions"]["A"]["items"][0]
    audit = await pairing.call("GET", f"/audit/assignments/{item['assignment_id']}?replay=true")
    assert audit["violations"] == []
    assert audit["exclusions_match"] is True and audit["exclusions"] == item["explanation"]["exclusions"]
    assert audit["eligible_pool"] == 5
    assert audit["input_intact"] is True and audit["team_matches_engine"] is True
    assert audit["replay"]["identical"] is True


async def test_why_not_officer_x(pairing: Pairing, scenario: dict[str, Any]) -> None:
    pid = scenario["A"].problem_id
    members = team(scenario["decisions"]["A"])

    async def why(oid: str, expect: int = 200) -> Any:
        return await pairing.call("GET", f"/assignments/{pid}/why-not/{oid}", expect, headers=OFFICER)

    assert (await why("T-JZ-1"))["reasons"] == ["same_town"]
    native = await why("T-FT-1")
    assert native["status"] == "excluded" and native["reasons"] == ["native_town", "native_village"]
    assert (await why("T-DX-1"))["reasons"] == ["served_within_n_years"]
    assert (await why("T-SA-2"))["reasons"] == ["declared_relation_subject"]
    assert (await why("V-YD-1"))["status"] == "not_qualified"  # a village supervisor leads no team
    lead = await why("T-FT-2")
    assert lead["status"] == "costlier" and lead["delta"] >= 0 and lead["swaps"]
    chosen = next(iter(members))
    on_team = await why(chosen)
    assert on_team["status"] == "on_team" and on_team["role"] == members[chosen]
    missing = await why("NOBODY", 404)
    assert missing["error"]["code"] == "officer_not_found"
    await pairing.call("PUT", "/officers/T-NEW-1", json=officer("T-NEW-1", "township", "赤湖镇纪委", ZHANGPU,
                                                               "350623103", skills=["finance"]))
    assert (await why("T-NEW-1"))["status"] == "not_registered"


async def test_recusal_replaces_the_member_under_the_same_rules(pairing: Pairing) -> None:
    d = opened("350623100201", "sanzi", when=at(2025, 3, 12))  # 绥安镇: its own officers are out
    await pairing.send(d)
    first = (await pairing.staffed(d.problem_id))["items"][0]
    finance = next(m["officer_id"] for m in first["members"] if m["role"] == "finance")
    lead = next(m["officer_id"] for m in first["members"] if m["role"] == "lead")

    outsider = await pairing.call("POST", f"/assignments/{d.problem_id}/recusals", 409, headers=OFFICER,
                                  json={"officer_id": "T-SA-1", "relation": "kin", "reason": "表亲"})
    assert outsider["error"]["code"] == "not_on_team"
    recusal = await pairing.call("POST", f"/assignments/{d.problem_id}/recusals", 201, headers=OFFICER,
                                 json={"officer_id": finance, "relation": "former_colleague",
                                       "reason": "曾与该村书记共事"})
    assert recusal["replaced_assignment_id"] == first["assignment_id"]
    assert recusal["replacement_officer_id"] not in (None, finance, lead)
    assert recusal["role"] == "finance" and recusal["pool_size"] > 0

    after = await pairing.call("GET", f"/assignments/{d.problem_id}")
    old, new = after["items"]
    assert old["active"] is False and new["active"] is True
    assert new["replaces_assignment_id"] == old["assignment_id"] and new["mode"] == "recusal"
    assert team(after) == {lead: "lead", recusal["replacement_officer_id"]: "finance"}
    assert after["recusals"][0]["officer_id"] == finance
    assert after["recusals"][0]["new_assignment_id"] == new["assignment_id"]

    declared = await pairing.call("GET", f"/officers/{finance}")
    assert {(r["kind"], r["target_kind"], r["target"]) for r in declared["relations"]} >= {
        ("former_colleague", "case", d.problem_id), ("other", "case", d.problem_id)}
    why = await pairing.call("GET", f"/assignments/{d.problem_id}/why-not/{finance}")
    assert why["status"] == "excluded" and "declared_relation_case" in why["reasons"]
    audit = await pairing.call("GET", f"/audit/assignments/{new['assignment_id']}")
    assert audit["violations"] == [] and audit["exclusions_match"] and audit["input_intact"]

    replaced = [e for e in await pairing.events("team.assigned.v1") if e["problem_id"] == d.problem_id]
    assert [e["replaces_assignment_id"] for e in replaced] == [None, old["assignment_id"]]
    again = await pairing.call("POST", f"/assignments/{d.problem_id}/recusals", 409, headers=OFFICER,
                               json={"officer_id": finance, "relation": "kin", "reason": "again"})
    assert again["error"]["code"] == "not_on_team"


async def test_recusal_with_nobody_left_escalates_with_a_certificate(pairing: Pairing,
                                                                     scenario: dict[str, Any]) -> None:
    b = scenario["B"]  # 提级 in 漳浦县: the county's two officers are the whole pool
    recusal = await pairing.call("POST", f"/assignments/{b.problem_id}/recusals", 201,
                                 json={"officer_id": "C-ZP-2", "relation": "interest", "reason": "利益关系",
                                       "target_kind": "place", "target": FOTAN})
    assert recusal["new_assignment_id"] is None and recusal["certificate"]["bound"] == "0/1"
    after = await pairing.call("GET", f"/assignments/{b.problem_id}")
    assert after["status"] == "unstaffable" and not any(i["active"] for i in after["items"])
    checked = await pairing.call("GET", f"/audit/escalations/{recusal['escalation_id']}")
    assert checked["valid"] is True and checked["cause"] == "recusal"
    events = [e for e in await pairing.events("team.unstaffable.v1") if e["problem_id"] == b.problem_id]
    assert len(events) == 1


async def test_closing_a_problem_frees_its_team_and_reopening_takes_it_back(
        pairing: Pairing, scenario: dict[str, Any]) -> None:
    a = scenario["A"]
    members = set(team(scenario["decisions"]["A"]))

    async def open_cases() -> set[str]:
        rows = await pairing.rows(
            "SELECT officer_id FROM memberships WHERE problem_id = :p AND active AND open", p=a.problem_id)
        return {r.officer_id for r in rows}

    assert await open_cases() == members
    await pairing.send(status_changed(a, "reviewed", "closed", at(2025, 4, 1)))
    await eventually(lambda: _empty(open_cases), 30, "the team's cases to close")
    assert await pairing.scalar("SELECT status FROM problems WHERE id = :p", p=a.problem_id) == "closed"
    await pairing.send(status_changed(a, "closed", "rectifying", at(2025, 4, 2)))
    await eventually(lambda: _equal(open_cases, members), 30, "the team's cases to reopen")
    assert await pairing.scalar("SELECT status FROM problems WHERE id = :p", p=a.problem_id) == "assigned"


async def _empty(probe: Any) -> bool:
    return not await probe()


async def _equal(probe: Any, expected: set[str]) -> bool:
    return bool(await probe() == expected)


async def test_solve_time_is_measured(pairing: Pairing, scenario: dict[str, Any]) -> None:
    metrics = await pairing.call("GET", "/metrics")
    line = next(ln for ln in metrics.splitlines()
                if ln.startswith('pairing_solve_seconds_count{kind="incremental",mode="exact"}'))
    # problems of one fetch share a solve; every stored solve was timed
    stored = await pairing.scalar("SELECT count(*) FROM solves WHERE kind = 'incremental'")
    assert float(line.split()[-1]) >= stored >= 1
