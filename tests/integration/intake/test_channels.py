"""Every channel, canonical and native, stored once with its event; visits count on their own."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.events.catalog import ComplaintReceived, VisitLogged
from shared.events.envelope import Envelope
from shared.events.topics import COMPLAINTS, VISITS
from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake
from tests.support.topics import header, wait_for_records

pytestmark = pytest.mark.infra


async def events_for(intake: Intake, subject: str) -> list[dict[str, Any]]:
    rows = await intake.rows(
        "SELECT event_type, value FROM outbox WHERE aggregate_id = :s ORDER BY id", s=subject
    )
    return [{"type": r.event_type, **json.loads(bytes(r.value))} for r in rows]


@pytest.mark.parametrize("channel", ["hotline_12345", "petition", "online", "inspection", "household_visit"])
async def test_every_channel_in_the_canonical_shape(
    intake: Intake, unique: Callable[[str], str], channel: str
) -> None:
    reporter = None if channel in ("inspection", "household_visit") else {"mode": "anonymous"}
    body = samples.canonical(unique(channel), channel=channel, reporter=reporter)
    async with intake.client() as http:
        r = await http.post("/complaints", json=body)
    assert r.status_code == 201, r.text
    accepted = r.json()
    assert set(accepted) == {"complaint_id", "problem_key", "status", "query_code"}
    assert accepted["status"] == "received"
    assert (accepted["query_code"] is not None) == (reporter is not None)
    (event,) = await events_for(intake, accepted["complaint_id"])
    assert event["type"] == ComplaintReceived.TYPE and event["channel"] == channel
    assert event["place"]["town_name"] == "杜浔镇" and event["place"]["county_name"] == "漳浦县"
    assert event["reporter_mode"] == ("anonymous" if reporter else "institutional")
    assert event["reporter_ref"].startswith("rp_")


async def test_hotline_work_order(intake: Intake, unique: Callable[[str], str]) -> None:
    order = samples.hotline(unique("ZZ12345"))
    async with intake.client() as http:
        r = await http.post("/channels/hotline_12345", json=order)
    assert r.status_code == 201, r.text
    (event,) = await events_for(intake, r.json()["complaint_id"])
    assert event["channel"] == "hotline_12345" and event["external_ref"] == order["work_order_no"]
    assert event["category"] == "livelihood"  # guessed: the platform's taxonomy is not ours
    assert event["reporter_mode"] == "named" and r.json()["query_code"] is None
    assert event["place"]["village_name"].startswith("正达")


async def test_petition_case(intake: Intake, unique: Callable[[str], str]) -> None:
    case = samples.petition(unique("漳信〔2024〕"))
    async with intake.client() as http:
        r = await http.post("/channels/petition", json=case)
    assert r.status_code == 201, r.text
    (event,) = await events_for(intake, r.json()["complaint_id"])
    assert event["category"] == "sanzi" and event["reporter_mode"] == "confidential"
    assert event["subject_unit"] is None and event["subject_name"] == "狮头村委会"


async def test_online_form_flags_a_commissions_own_staff_for_escalation(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    form = samples.online(
        unique("web"),
        subject_name="梅岭镇纪委某干部",
        subject_role="commission_staff",
        subject_level="town",
        category="conduct",
    )
    async with intake.client() as http:
        r = await http.post("/channels/online", json=form)
        plain = await http.post("/channels/online", json=samples.online(unique("web2")))
    assert r.status_code == 201 and plain.status_code == 201
    (escalated,) = await events_for(intake, r.json()["complaint_id"])
    assert escalated["escalate_up"] is True and escalated["handling_level"] == "county"  # 提级
    (ordinary,) = await events_for(intake, plain.json()["complaint_id"])
    assert ordinary["escalate_up"] is False and ordinary["handling_level"] == "town"


async def test_inspection_finding(intake: Intake, unique: Callable[[str], str]) -> None:
    finding = samples.inspection(unique("XC-03"))
    async with intake.client() as http:
        r = await http.post("/channels/inspection", json=finding)
    assert r.status_code == 201, r.text
    (event,) = await events_for(intake, r.json()["complaint_id"])
    assert event["category"] == "bidding" and event["reporter_mode"] == "institutional"
    assert event["amount_yuan"] == "380000" and event["place"]["village_code"] is None


async def test_visit_log_counts_and_raises_its_problems(intake: Intake, unique: Callable[[str], str]) -> None:
    log = samples.visit(unique("ZF-350605200"))
    async with intake.client("demo-officer-token") as http:
        r = await http.post("/visits", json=log)
        again = await http.post("/visits", json=log)
        empty = await http.post("/visits", json=samples.visit(unique("ZF-empty"), problems=[]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["complaints"]) == 2
    assert again.status_code == 200 and again.json()["visit_id"] == body["visit_id"]
    assert [c["complaint_id"] for c in again.json()["complaints"]] == [
        c["complaint_id"] for c in body["complaints"]
    ]
    (logged,) = await events_for(intake, body["visit_id"])
    assert logged["type"] == VisitLogged.TYPE
    assert (logged["households_visited"], logged["persons_visited"], logged["problems_found"]) == (14, 31, 2)
    for accepted in body["complaints"]:
        (event,) = await events_for(intake, accepted["complaint_id"])
        assert event["channel"] == "household_visit" and event["visit_id"] == body["visit_id"]
    assert empty.status_code == 201 and empty.json()["complaints"] == []
    (counted,) = await events_for(intake, empty.json()["visit_id"])
    assert counted["problems_found"] == 0
    assert await intake.scalar("SELECT count(*) FROM visits WHERE log_id = :l", l=log["log_id"]) == 1


async def test_events_reach_kafka(intake: Intake, unique: Callable[[str], str]) -> None:
    ref = unique("kafka")
    async with intake.client() as http:
        r = await http.post("/complaints", json=samples.canonical(ref))
    complaint_id = r.json()["complaint_id"]

    def published(records: list[Any]) -> bool:
        return any(header(rec, "ce_subject") == complaint_id for rec in records)

    records = await wait_for_records(intake.bootstrap, COMPLAINTS.name, published, what="ComplaintReceived")
    (record,) = [rec for rec in records if header(rec, "ce_subject") == complaint_id]
    envelope = Envelope.from_record(record.headers, record.value)
    assert envelope.type == ComplaintReceived.TYPE and envelope.source == "/supervision/intake"
    assert ComplaintReceived.model_validate(envelope.data).external_ref == ref
    assert VISITS.name.startswith(intake.namespace)


async def test_group_commit_figures_on_metrics(intake: Intake, unique: Callable[[str], str]) -> None:
    async with intake.client() as http:
        assert (await http.post("/complaints", json=samples.canonical(unique("m")))).status_code == 201
        text = (await http.get("/metrics")).text
    batches = next(line for line in text.splitlines() if line.startswith("intake_commit_batches_total"))
    submissions = next(
        line for line in text.splitlines() if line.startswith("intake_commit_submissions_total")
    )
    assert float(batches.split()[-1]) >= 1 and float(submissions.split()[-1]) >= float(batches.split()[-1])
