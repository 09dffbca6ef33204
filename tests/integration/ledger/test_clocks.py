"""Working-day clocks on the real 2024-2026 schedule (holidays and 调休 make-up days), the sweep's
reminders and overdue notices (once each), escalation tiers (once each), approved pauses and
extensions, and deadlines that cross into 2027 (no official schedule yet: estimated)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from services.ledger.service_layer.store import problem_id_for
from services.ledger.service_layer.sweep import SweepReport, sweep_once
from tests.integration.ledger.harness import ADMIN, Ledger, at, complaint, eventually, send

pytestmark = pytest.mark.infra

ASSIGN = {"responsible": [{"person_id": "cadre-101", "name": "黄某", "role": "村党支部书记",
                           "lead": True}],
          "unit": {"unit_id": "unit-houdai", "name": "后埭村村委会"}}


async def assigned_on(ledger: Ledger, day: tuple[int, int, int], village: str) -> str:
    ledger.clock.set(*day)
    body = await ledger.post("/problems", {
        "title": "村级工程未按规定招投标", "category": "bidding", "source": "inspection",
        "place_code": village}, expect=201)
    pid = str(body["id"])
    await ledger.post(f"/problems/{pid}/assign", ASSIGN)
    return pid


def clock(problem: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in problem["clocks"] if c["kind"] == kind and c["stopped_on"] is None)


async def sweep(ledger: Ledger, y: int, m: int, d: int) -> SweepReport:
    return await sweep_once(ledger.app.state.runtime.sessions, ledger.ctx, at(y, m, d, 9))


@pytest.mark.parametrize(("day", "due"), [
    # Thu 2024-02-08: 02-09, Spring Festival 02-10..17, Sun 02-18 worked (调休), ... 03-27
    ((2024, 2, 8), "2024-03-27"),
    # Fri 2025-01-24: Sun 01-26 worked, 01-28..02-04 off, Sat 02-08 worked, ... 03-13
    ((2025, 1, 24), "2025-03-13"),
    # Fri 2026-02-13: Sat 02-14 worked, 02-15..23 off, Sat 02-28 worked, ... 04-02
    ((2026, 2, 13), "2026-04-02"),
    # Fri 2026-09-25: National Day 10-01..07 off, Sat 10-10 worked, ... 11-12
    ((2026, 9, 25), "2026-11-12"),
])
async def test_the_rectification_deadline_counts_official_working_days(
        ledger: Ledger, day: tuple[int, int, int], due: str) -> None:
    pid = await assigned_on(ledger, day, "350623101203")
    rectification = clock(await ledger.problem(pid), "rectification")
    assert (rectification["days"], rectification["due"]) == (30, due)
    assert rectification["due_estimated"] is False


async def test_a_plan_scheduled_backwards_across_the_2025_spring_festival(ledger: Ledger
                                                                          ) -> None:
    pid = await assigned_on(ledger, (2025, 1, 20), "350623101203")
    body = await ledger.post(f"/problems/{pid}/plan", {"due": "2025-02-10", "backwards": [
        {"description": "验收", "working_days_before": 0},
        {"description": "公示", "working_days_before": 1},
        {"description": "清查", "working_days_before": 5},
        {"description": "核实", "working_days_before": 6}]})
    by_name = {m["description"]: m["due"] for m in body["plan"]["measures"]}
    # back from Mon 02-10: Sat 02-08 is a make-up working day; 01-28..02-04 are off;
    # Sun 01-26 is a make-up working day
    assert by_name == {"验收": "2025-02-10", "公示": "2025-02-08", "清查": "2025-01-27",
                       "核实": "2025-01-26"}
    assert body["status"] == "rectifying"


async def test_named_reports_get_the_acceptance_notice_clock_across_national_day(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    key = f"pk-{uuid.uuid4().hex[:10]}"
    await send(producer, complaint(key, "350623102204", when=at(2025, 9, 30, 16),
                                   mode="confidential"))
    pid = problem_id_for(key)
    problem = await eventually(lambda: _maybe(ledger, pid), what="the named complaint")
    notice = clock(problem, "acceptance_notice")
    assert (notice["unit"], notice["days"], notice["due"]) == ("working", 15, "2025-10-28")


async def _maybe(ledger: Ledger, pid: str) -> dict[str, Any] | None:
    r = await ledger.http.get(f"/problems/{pid}", headers=ADMIN)
    return r.json() if r.status_code == 200 else None


async def test_the_sweep_reminds_once_then_flags_overdue_once_then_escalates_by_tier(
        ledger: Ledger) -> None:
    pid = await assigned_on(ledger, (2025, 1, 24), "350623101202")  # due 2025-03-13

    def mine(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["problem_id"] == pid]

    await sweep(ledger, 2025, 3, 5)  # 6 working days left: too early for a reminder
    assert mine(await ledger.outbox("problem.deadline.v1")) == []
    await sweep(ledger, 2025, 3, 10)  # 3 working days left
    await sweep(ledger, 2025, 3, 11)
    [reminder] = mine(await ledger.outbox("problem.deadline.v1"))
    assert (reminder["clock"], reminder["due_on"], reminder["overdue"], reminder["officer_ids"],
            reminder["estimated"]) == ("rectification", "2025-03-13", False, ["cadre-101"], False)
    assert mine(await ledger.outbox("problem.escalated.v1")) == []

    await sweep(ledger, 2025, 3, 14)  # one working day overdue: the county supervises
    await sweep(ledger, 2025, 3, 17)
    notices = mine(await ledger.outbox("problem.deadline.v1"))
    assert [n["overdue"] for n in notices] == [False, True]
    escalations = mine(await ledger.outbox("problem.escalated.v1"))
    assert [(e["tier"], e["reason"], e["to_level"], e["to_area_code"]) for e in escalations] == [
        (1, "overdue", "county", "350623")]

    await sweep(ledger, 2025, 3, 20)  # five working days overdue: the city
    await sweep(ledger, 2025, 3, 21)
    escalations = mine(await ledger.outbox("problem.escalated.v1"))
    assert [(e["tier"], e["to_level"], e["to_area_code"]) for e in escalations] == [
        (1, "county", "350623"), (2, "city", "3506")]
    ledger.clock.set(2025, 3, 21)
    problem = await ledger.problem(pid)
    assert [(e["tier"], e["on"]) for e in problem["escalations"]] == [
        (1, "2025-03-14"), (2, "2025-03-20")]
    assert [t["action"] for t in problem["timeline"]][-2:] == ["escalate", "escalate"]
    assert clock(problem, "rectification")["days_overdue"] == 6


async def test_a_pause_and_an_extension_need_an_approver_other_than_the_actor(
        ledger: Ledger) -> None:
    pid = await assigned_on(ledger, (2025, 4, 1), "350623101201")
    due = clock(await ledger.problem(pid), "rectification")["due"]
    ledger.clock.set(2025, 4, 10)
    r = await ledger.http.post(f"/problems/{pid}/clocks/rectification/pause",
                               json={"reason": "等待审计结论", "approver": "county-commission"},
                               headers=ADMIN)
    assert r.status_code == 403 and r.json()["error"]["code"] == "self_approval"
    paused = await ledger.post(f"/problems/{pid}/clocks/rectification/pause",
                               {"reason": "等待审计结论", "approver": "leader-lin"})
    assert clock(paused, "rectification")["state"] == "paused"
    assert clock(paused, "rectification")["due"] is None  # nobody knows when the pause ends
    ledger.clock.set(2025, 4, 17)  # a week later: 5 working days did not count
    resumed = await ledger.post(f"/problems/{pid}/clocks/rectification/resume")
    moved = clock(resumed, "rectification")["due"]
    assert date.fromisoformat(moved) > date.fromisoformat(due)
    extended = await ledger.post(f"/problems/{pid}/clocks/rectification/extend",
                                 {"days": 5, "reason": "涉及多户村民", "approver": "leader-lin"})
    rect = clock(extended, "rectification")
    assert rect["extensions"][0]["approver"] == "leader-lin"
    assert date.fromisoformat(rect["due"]) > date.fromisoformat(moved)
    r = await ledger.http.post("/problems/no-such/clocks/forward/resume", headers=ADMIN)
    assert r.status_code == 404


async def test_a_deadline_crossing_into_2027_is_estimated_and_says_so(ledger: Ledger) -> None:
    pid = await assigned_on(ledger, (2026, 12, 10), "350623101226")
    rectification = clock(await ledger.problem(pid), "rectification")
    # 2026 from the library, then Monday to Friday: 2027's holidays are not published yet
    assert (rectification["due"], rectification["due_estimated"]) == ("2027-01-21", True)
    await sweep(ledger, 2027, 1, 18)
    [reminder] = [e for e in await ledger.outbox("problem.deadline.v1")
                  if e["problem_id"] == pid]
    assert (reminder["due_on"], reminder["estimated"]) == ("2027-01-21", True)
    r = await ledger.http.get("/towns/350623101/list", params={"today": "2027-01-18"},
                              headers=ADMIN)
    row = next(i for i in r.json()["items"] if i["problem_id"] == pid)
    assert (row["due"], row["due_estimated"]) == ("2027-01-21", True)
