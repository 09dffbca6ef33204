"""The ledger's inputs on real Kafka and PostgreSQL: complaints open or join problems, teams get
assigned (or the county steps in), reporters rate, officers log visits; each effect commits with
its journal entries and the contract events other services consume."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from services.ledger.service_layer.store import problem_id_for
from tests.integration.ledger.harness import (
    ADMIN,
    Ledger,
    at,
    complaint,
    eventually,
    rating,
    send,
    team,
    unstaffable,
    visit,
)

pytestmark = pytest.mark.infra


def key() -> str:
    return f"pk-{uuid.uuid4().hex[:12]}"


async def registered(ledger: Ledger, problem_id: str, status: str | None = None
                     ) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await ledger.http.get(f"/problems/{problem_id}", headers=ADMIN)
        if r.status_code != 200:
            return None
        body: dict[str, Any] = r.json()
        return body if status in (None, body["status"]) else None

    found: dict[str, Any] = await eventually(
        probe, what=f"problem {problem_id} ({status or 'any status'})")
    return found


async def test_a_complaint_opens_a_problem_and_a_second_one_joins_it(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    k = key()
    first = complaint(k, when=at(2025, 3, 3, 9), mode="named")
    second = complaint(k, "350623101226", when=at(2025, 3, 4, 9))
    await send(producer, first)
    pid = problem_id_for(k)
    problem = await registered(ledger, pid)
    assert problem["status"] == "registered" and problem["problem_key"] == k
    assert problem["title"].startswith("村集体鱼塘承包合同") and problem["level"] == "town"
    assert problem["place"]["village_name"] == "狮头村委会"
    # a named reporter starts the 15-working-day acceptance notice clock (受理告知)
    [clock] = problem["clocks"]
    assert (clock["kind"], clock["due"]) == ("acceptance_notice", "2025-03-24")
    [opened] = await ledger.outbox("problem.opened.v1", pid)
    assert opened["complaint_ids"] == [first.complaint_id] and opened["report_count"] == 1

    await send(producer, second, first)  # the first again: a replayed input changes nothing
    await eventually(ledger.consumed_all, what="the second report and the replay, both applied")
    joined = await eventually(lambda: _report_count(ledger, pid, 2), what="the second report")
    assert joined["priority"] == 2 and joined["complaint_ids"] == [first.complaint_id,
                                                                   second.complaint_id]
    [attached] = await ledger.outbox("problem.report_attached.v1", pid)
    assert attached["complaint_id"] == second.complaint_id and attached["priority"] == 2
    assert [e["action"] for e in joined["timeline"]] == ["register", "attach_report"]
    assert joined["timeline"][0]["details"]["complaint_id"] == first.complaint_id


async def _report_count(ledger: Ledger, pid: str, n: int) -> dict[str, Any] | None:
    body = await ledger.problem(pid)
    return body if body["report_count"] == n else None


async def test_a_team_assigns_the_problem_even_when_it_arrives_first(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    k = key()
    pid = problem_id_for(k)
    assigned = team(pid, at(2025, 3, 5, 9))
    # The inputs come on different topics: the team may be read before the complaint.
    await send(producer, assigned)
    await eventually(lambda: ledger.scalar(
        "SELECT count(*) FROM deferred_inputs WHERE waiting_for = :w", w=f"problem:{pid}"),
        what="the team to wait for its problem")
    await send(producer, complaint(k, "350623101201", when=at(2025, 3, 5, 8)))
    problem = await registered(ledger, pid, "assigned")
    assert problem["team"][0]["officer_id"] == "officer-fotan-01"
    assert [p["person_id"] for p in problem["responsible"]] == ["officer-fotan-01"]
    assert [e["action"] for e in problem["timeline"]] == ["register", "assign"]
    assert problem["timeline"][1]["details"]["assignment_id"] == assigned.assignment_id
    rectification = next(c for c in problem["clocks"] if c["kind"] == "rectification")
    # 30 working days from Wed 2025-03-05
    assert rectification["due"] == "2025-04-17"
    [changed] = await ledger.outbox("problem.status_changed.v1", pid)
    assert (changed["from_status"], changed["to_status"], changed["action"]) == (
        "registered", "assigned", "assign")
    assert changed["details"]["members"][0]["town_code"] == "350623102"
    assert changed["complaint_ids"] and await ledger.scalar(
        "SELECT count(*) FROM deferred_inputs WHERE waiting_for = :w", w=f"problem:{pid}") == 0


async def test_no_conflict_free_team_escalates_to_the_county(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    k = key()
    pid = problem_id_for(k)
    await send(producer, complaint(k, "350623101202", when=at(2025, 3, 6, 9)))
    await registered(ledger, pid)
    await send(producer, unstaffable(pid, at(2025, 3, 6, 9, 1)))
    escalated = await eventually(lambda: ledger.outbox("problem.escalated.v1", pid),
                                 what="the escalation")
    assert [(e["tier"], e["reason"], e["county_code"], e["to_level"]) for e in escalated] == [
        (1, "unstaffable", "350623", "county")]
    problem = await ledger.problem(pid)
    assert [e["reason"] for e in problem["escalations"]] == ["unstaffable"]


async def test_a_complaint_about_the_commissions_own_leader_goes_one_level_up(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    k = key()
    pid = problem_id_for(k)
    await send(producer, complaint(k, "350623101203", when=at(2025, 3, 7, 9), category="conduct",
                                   escalate_up=True,
                                   description="反映镇纪委书记违规插手村工程项目。"))
    problem = await registered(ledger, pid)
    assert problem["level"] == "county" and problem["escalate_up"] is True
    assert problem["timeline"][0]["events"][-1]["label"] == "提级"
    [transfer] = await ledger.outbox("problem.status_changed.v1", pid)
    assert (transfer["action"], transfer["details"]) == (
        "transfer_up", {"from_level": "town", "to_level": "county"})


async def test_a_rating_of_a_problem_not_under_review_is_refused_and_kept(
        ledger: Ledger, producer: AIOKafkaProducer) -> None:
    k = key()
    c = complaint(k, "350623102201", when=at(2025, 3, 10, 9))
    await send(producer, c)
    pid = problem_id_for(k)
    await registered(ledger, pid)
    r = rating(c, 1, False, at(2025, 3, 11))
    await send(producer, r)
    rows = await eventually(lambda: ledger.rows(
        "SELECT code, reason FROM rejected_inputs WHERE subject = :s", s=c.complaint_id),
        what="the refusal")
    assert rows[0].code == "illegal_transition" and "registered" in rows[0].reason
    assert (await ledger.problem(pid))["ratings"] == []


async def test_visit_logs_count_in_the_statistics(ledger: Ledger, producer: AIOKafkaProducer
                                                   ) -> None:
    logs = [visit("350624102209", date(2025, 5, d), n) for d, n in ((6, 12), (7, 30))]
    await send(producer, *logs, logs[0])
    await eventually(ledger.consumed_all, what="the logs and the replay, all applied")
    assert await ledger.scalar("SELECT count(*) FROM visits WHERE town_code = '350624102'") == 2
    r = await ledger.http.get("/statistics/350624102", params={"period": "2025Q2"},
                              headers=ADMIN)
    assert r.status_code == 200, r.text
    current = r.json()["current"]
    assert (current["visit_logs"], current["visit_person_times"]) == (2, 42)
