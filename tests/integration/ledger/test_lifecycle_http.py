"""Every lifecycle command over HTTP from every status: a legal one moves the problem where the
lifecycle says (and is recorded with actor and time in its timeline), an illegal one is a 409
that names the status and the statuses it is allowed from, and changes nothing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from services.ledger.domain.enums import ProblemStatus
from services.ledger.domain.lifecycle import ALLOWED_FROM, Command
from services.ledger.service_layer.sweep import sweep_once
from tests.integration.ledger.harness import ADMIN, HOTLINE, OFFICER, Ledger, at

pytestmark = pytest.mark.infra
S = ProblemStatus
_n = itertools.count(1)

ASSIGN: dict[str, Any] = {"responsible": [{"person_id": "cadre-001", "name": "林某", "role": "村党支部书记",
                           "lead": True},
                          {"person_id": "cadre-002", "name": "陈某", "role": "村委会主任"}],
          "unit": {"unit_id": "unit-shitou", "name": "狮头村村委会"}}
PLAN: dict[str, Any] = {"due": "2025-06-20", "backwards": [
    {"description": "清查合同台账", "working_days_before": 5},
    {"description": "公示整改结果", "working_days_before": 0}]}
OUTSIDE_REVIEWER = {"person_id": "officer-fotan-01", "town_code": "350623102"}  # 佛昙镇
CLAIMED = {"yuan": "120000.00", "mu": "35.50", "contracts": 2}


@pytest.fixture(autouse=True)
def _june_2025(ledger: Ledger) -> None:
    ledger.clock.set(2025, 6, 3)  # a Tuesday; 2025-05-31..06-02 was the Dragon Boat holiday


async def register(ledger: Ledger, village: str = "350623101226") -> str:
    body = await ledger.post("/problems", {
        "title": f"第{next(_n)}号 村集体虾池承包合同未按期收回", "category": "sanzi",
        "source": "special_campaign", "place_code": village}, expect=201)
    return str(body["id"])


async def drive(ledger: Ledger, status: S) -> str:
    """A fresh problem brought to `status` through the API only."""
    pid = await register(ledger)
    steps: list[tuple[str, dict[str, Any]]] = []
    working: list[tuple[str, dict[str, Any]]] = [
        ("assign", ASSIGN), ("plan", PLAN), ("measures/m1/complete", {}),
        ("measures/m2/complete", {}),
        ("evidence", {"evidence_id": f"ev-{pid[:8]}", "kind": "receipt", "sha256": "ab" * 32,
                      "description": "租金回款凭证"}),
        ("submit", {"summary": "已收回虾池并重新公开发包", "claimed": CLAIMED}),
        ("review/pass", {"reviewer": OUTSIDE_REVIEWER, "verified": CLAIMED}),
        ("close", {"note": "对账销号"})]
    upto = {S.REGISTERED: 0, S.ASSIGNED: 1, S.RECTIFYING: 2, S.AWAITING_REVIEW: 6,
            S.REVIEWED: 7, S.CLOSED: 8}
    if status in upto:
        steps = working[: upto[status]]
    elif status is S.FILED_PENDING:
        steps = [("dispose", {"disposal": "filed_pending", "note": "线索不具体"})]
    elif status is S.MERGED:
        steps = [("merge", {"into_problem_id": await register(ledger)})]
    for path, body in steps:
        await ledger.post(f"/problems/{pid}/{path}", body)
    assert (await ledger.problem(pid))["status"] == status.value
    return pid


async def _prepare_submit(ledger: Ledger, pid: str) -> None:
    await ledger.post(f"/problems/{pid}/measures/m1/complete")
    await ledger.post(f"/problems/{pid}/measures/m2/complete")
    await ledger.post(f"/problems/{pid}/evidence", {
        "evidence_id": "ev-submit", "kind": "photo", "sha256": "cd" * 32,
        "description": "现场照片"})


Prepare = Callable[[Ledger, str], Any]
BODIES: dict[Command, tuple[str, dict[str, Any]]] = {
    Command.ASSIGN: ("assign", ASSIGN),
    Command.SET_PLAN: ("plan", PLAN),
    Command.ADD_EVIDENCE: ("evidence", {"evidence_id": "ev-extra", "kind": "minutes",
                                        "sha256": "ef" * 32, "description": "村民代表会议记录"}),
    Command.SUBMIT: ("submit", {"summary": "整改完成", "claimed": CLAIMED}),
    Command.PASS_REVIEW: ("review/pass", {"reviewer": OUTSIDE_REVIEWER, "verified": CLAIMED}),
    Command.RETURN_FOR_REWORK: ("return", {"reason": "合同尚未重新签订"}),
    Command.CLOSE: ("close", {"note": "对账销号"}),
    Command.REOPEN: ("reopen", {"reason": "回访发现虾池仍被占用"}),
    Command.TRANSFER_UP: ("transfer-up", {"reason": "涉及镇领导干部，提级办理"}),
    Command.DISPOSE: ("dispose", {"disposal": "talk_or_letter", "note": "谈话提醒"}),
    Command.RATE: ("ratings", {"rater_kind": "department", "rater_id": "county-agri-bureau",
                               "score": 4, "resolved": True}),
    Command.TAG: ("tags", {"tag": "专项:三资"}),
    Command.RECORD_DISCIPLINE: ("discipline", {"people": [{"person_id": "cadre-001",
                                                           "measure": "admonishment"}]}),
}
PREPARE: dict[Command, Prepare] = {Command.SUBMIT: _prepare_submit}


def expected_after(command: Command, status: S) -> S:
    """Where a legal command leaves a problem driven by `drive` (it has a plan once rectifying,
    responsible people once assigned)."""
    return {
        Command.ASSIGN: S.ASSIGNED if status is S.REGISTERED else status,
        Command.SET_PLAN: S.RECTIFYING,
        Command.SUBMIT: S.AWAITING_REVIEW,
        Command.PASS_REVIEW: S.REVIEWED,
        Command.RETURN_FOR_REWORK: S.RECTIFYING,
        Command.CLOSE: S.CLOSED,
        Command.REOPEN: S.RECTIFYING,
        Command.MERGE: S.MERGED,
        Command.TRANSFER_UP: S.REGISTERED,
        Command.DISPOSE: S.REGISTERED if status is S.FILED_PENDING else status,
    }.get(command, status)


CASES = [(c, s) for c in [*BODIES, Command.MERGE] for s in S]
_refusing: dict[S, str] = {}


@pytest.mark.parametrize(("command", "status"), CASES, ids=[f"{c}-from-{s}" for c, s in CASES])
async def test_every_command_from_every_status(ledger: Ledger, command: Command, status: S
                                               ) -> None:
    legal = status in ALLOWED_FROM[command]
    # A refused command changes nothing (asserted below), so the refusals share one problem
    # per status; an accepted one gets its own.
    if legal:
        pid = await drive(ledger, status)
    else:
        pid = _refusing.get(status) or _refusing.setdefault(status, await drive(ledger, status))
    before = await ledger.problem(pid)
    if command is Command.MERGE:
        path, body = "merge", {"into_problem_id": await register(ledger)}
    else:
        path, body = BODIES[command]
    if legal and command in PREPARE:
        await PREPARE[command](ledger, pid)
        before = await ledger.problem(pid)
    r = await ledger.http.post(f"/problems/{pid}/{path}", json=body,
                               headers={**ADMIN, "X-Actor": "officer-zhang"})
    after = await ledger.problem(pid)
    if not legal:
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert error["code"] == "illegal_transition"
        assert f"is {status.value}" in error["message"]
        assert all(s.value in error["message"] for s in ALLOWED_FROM[command])
        assert after["version"] == before["version"] and after["timeline"] == before["timeline"]
        return
    assert r.status_code == 200, r.text
    assert after["status"] == expected_after(command, status).value
    entry = after["timeline"][-1]
    assert entry["actor"] == "county-commission/officer-zhang"
    assert entry["from_status"] == status.value and entry["to_status"] == after["status"]
    assert datetime.fromisoformat(entry["at"]) == at(2025, 6, 3)


async def test_closing_needs_an_outside_review_and_a_concluded_disposal_travels_with_it(
        ledger: Ledger) -> None:
    pid = await register(ledger)
    await ledger.post(f"/problems/{pid}/dispose",
                      {"disposal": "concluded", "note": "经初步核实，反映问题不属实，予以了结"})
    await ledger.post(f"/problems/{pid}/evidence", {
        "evidence_id": "ev-1", "kind": "document", "sha256": "12" * 32, "description": "核实报告"})
    same_town = {"reviewer": {"person_id": "officer-jiuzhen-02", "town_code": "350623101"}}
    r = await ledger.http.post(f"/problems/{pid}/review/pass", json=same_town, headers=ADMIN)
    assert r.status_code == 403 and r.json()["error"]["code"] == "reviewer_same_town"
    await ledger.post(f"/problems/{pid}/review/pass", {"reviewer": {"person_id": "county-03"}})
    closed = await ledger.post(f"/problems/{pid}/close", {"note": "销号"})
    assert closed["status"] == "closed" and closed["disposal"] == "concluded"
    changes = await ledger.outbox("problem.status_changed.v1", pid)
    assert [(c["action"], c["to_status"]) for c in changes] == [
        ("dispose", "awaiting_review"), ("pass_review", "reviewed"), ("close", "closed")]
    assert changes[-1]["details"] == {"disposal": "concluded"}
    # 销号 of a problem a named reporter raised would start the result notice; this one has none
    assert {c["kind"] for c in closed["clocks"]} == set()


async def test_a_merge_records_both_sides_and_a_merged_problem_takes_no_more(ledger: Ledger
                                                                             ) -> None:
    original, duplicate = await register(ledger), await register(ledger, "350623101201")
    merged = await ledger.post(f"/problems/{duplicate}/merge", {"into_problem_id": original})
    assert merged["status"] == "merged" and merged["merged_into"] == original
    assert (await ledger.problem(original))["duplicates"] == [duplicate]
    r = await ledger.http.post(f"/problems/{original}/merge", json={"into_problem_id": duplicate},
                               headers=ADMIN)
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert (await ledger.problem(original))["status"] == "registered"


async def test_three_reworks_escalate_to_the_county_once(ledger: Ledger) -> None:
    pid = await drive(ledger, S.AWAITING_REVIEW)
    for n in range(3):
        await ledger.post(f"/problems/{pid}/return", {"reason": f"第{n + 1}次检视不通过"})
        for m in ("m1", "m2"):
            await ledger.post(f"/problems/{pid}/measures/{m}/complete")
        await ledger.post(f"/problems/{pid}/submit", {"summary": f"第{n + 2}轮整改"})
    report = await sweep_once(ledger.app.state.runtime.sessions, ledger.ctx, ledger.clock())
    again = await sweep_once(ledger.app.state.runtime.sessions, ledger.ctx, ledger.clock())
    assert report.escalated >= 1 and again.escalated == 0
    escalated = await ledger.outbox("problem.escalated.v1", pid)
    assert [(e["tier"], e["reason"]) for e in escalated] == [(1, "repeated_rework")]
    assert (await ledger.problem(pid))["rework_count"] == 3


async def test_bad_input_is_422_with_the_field_and_missing_scope_is_403(ledger: Ledger) -> None:
    pid = await register(ledger)
    r = await ledger.http.post(f"/problems/{pid}/assign", json={**ASSIGN, "extra": 1},
                               headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"
    r = await ledger.http.post(f"/problems/{pid}/evidence", headers=ADMIN, json={
        "evidence_id": "e", "kind": "receipt", "sha256": "XYZ", "description": "x"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "sha256"
    r = await ledger.http.post(f"/problems/{pid}/assign", json={
        **ASSIGN, "responsible": [{**p, "lead": True} for p in ASSIGN["responsible"]]},
        headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["code"] == "several_leads"
    r = await ledger.http.post(f"/problems/{pid}/assign", json=ASSIGN, headers=HOTLINE)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await ledger.http.post("/problems/no-such-problem/assign", json=ASSIGN, headers=OFFICER)
    assert r.status_code == 404 and r.json()["error"]["code"] == "problem_not_found"
    r = await ledger.http.post("/problems", headers=OFFICER, json={
        "title": "x", "category": "sanzi", "source": "inspection", "place_code": "350623999999"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_place"


async def test_registration_is_idempotent_by_key(ledger: Ledger) -> None:
    body = {"title": "巡察发现：村务公开栏长期未更新", "category": "conduct",
            "source": "inspection", "place_code": "350623102204"}
    headers = {**OFFICER, "Idempotency-Key": "inspection-2025-06-001"}
    first = await ledger.post("/problems", body, expect=201, headers=headers)
    again = await ledger.post("/problems", body, expect=200, headers=headers)
    assert first["id"] == again["id"] and first["place"]["village_name"] == "石门村委会"
    assert first["timeline"][0]["actor"] == "township-officer"
