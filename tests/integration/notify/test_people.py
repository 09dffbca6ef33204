"""Officers, county commissions and reporters (承办人员、县纪委监委、举报人) are told through
the SMS gateway, SMTP (aiosmtpd) or their query code, each message once per key."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.working_days import CHINA_TZ
from shared.events.catalog import (
    ClassOfCaseOpened,
    DeadlineApproaching,
    ProblemEscalated,
    TeamAssigned,
    TeamMember,
)
from tests.integration.notify.helpers import (
    ADMIN,
    HOTLINE,
    INTAKE,
    Notify,
    complaint_received,
    eventually,
    now,
    status_changed,
    uid,
)

pytestmark = pytest.mark.infra
PAIRING, INTAKE_SOURCE, LEDGER = "/supervision/pairing", "/supervision/intake", "/supervision/ledger"


def team(*officers: str) -> TeamAssigned:
    return TeamAssigned(
        assignment_id=uid("A-"), problem_id=uid("P-"), mode="cross_town", eligible_pool=12, at=now(),
        members=[TeamMember(officer_id=o, role="member", town_code="350623101") for o in officers],
    )


async def put_officer(notify: Notify, officer: str, **contact: object) -> None:
    r = await notify.http.put(f"/officers/{officer}/contact", json=contact, headers=ADMIN)
    assert r.status_code == 200, r.text


def sms_for(notify: Notify, key: str) -> list[dict[str, str]]:
    sent = [json.loads(r.body) for r in notify.far.gateway.requests]
    return [s for s in sent if s.get("client_ref") == key]


def person(items: list[dict[str, object]]) -> list[dict[str, object]]:
    return [n for n in items if n["channel"] != "webhook"]


async def test_officers_are_texted_through_the_gateway_once(notify: Notify) -> None:
    officer = uid("T350623101-")
    await put_officer(notify, officer, phone="+86 138-0013-8000", no_quiet_hours=True)
    payload = team(officer)
    env = await notify.publish(payload, PAIRING)
    await notify.publish(payload, PAIRING, event_id=env.id)  # Kafka redelivers the same event

    await eventually(notify.consumed_all, "the event and its redelivery, both applied")
    (n,) = await notify.settled(env, 1)
    assert (n["status"], n["channel"], n["recipient_ref"], n["template_id"]) == (
        "delivered", "sms", officer, "officer.team_assigned")
    (sms,) = sms_for(notify, n["key"])
    assert sms["to"] == "13800138000"
    assert sms["text"].startswith("【漳州纪检监察】") and payload.problem_id in sms["text"]
    assert notify.far.gateway.effects[n["key"]] == 1
    assert n["provider_ref"] == f"gw-{n['key'][:8]}"


async def test_an_officer_can_prefer_email(notify: Notify) -> None:
    officer = uid("T350623101-")
    await put_officer(notify, officer, email="lin@jiuzhen.example.cn", phone="13800138001",
                      channels=["email"])
    env = await notify.publish(team(officer), PAIRING)
    (n,) = await notify.settled(env, 1)
    assert (n["channel"], n["status"]) == ("email", "delivered")
    assert sms_for(notify, n["key"]) == []
    (_, to, _raw) = next(m for m in notify.far.mailbox.messages if f"<{n['key']}@".encode() in m[2])
    assert to == ["lin@jiuzhen.example.cn"]


async def test_quiet_hours_hold_an_sms_but_not_an_urgent_one(notify: Notify) -> None:
    officer = uid("T350623101-")
    local = datetime.now(CHINA_TZ)
    window = QuietHours(start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
                        end=(local + timedelta(hours=2)).time().replace(second=0, microsecond=0))
    await put_officer(notify, officer, phone="13800138002",
                      quiet_hours={"start": f"{window.start:%H:%M}", "end": f"{window.end:%H:%M}"})

    reminder = await notify.publish(team(officer), PAIRING)

    async def held() -> dict[str, object] | None:
        items = await notify.notifications(reminder.id)
        return items[0] if items else None

    waiting = await eventually(held, "the assignment SMS to be stored")
    assert waiting["status"] == "pending"
    expected = window.defer(datetime.fromisoformat(str(waiting["created_at"])))
    assert datetime.fromisoformat(str(waiting["next_attempt_at"])) == expected > datetime.now(UTC)

    overdue = DeadlineApproaching(problem_id=uid("P-"), clock="rectification", due_on=date.today(),
                                  overdue=True, officer_ids=[officer], at=now())
    urgent = await notify.publish(overdue, LEDGER)
    (n,) = await notify.settled(urgent, 1)
    assert (n["status"], n["template_id"], n["urgent"]) == ("delivered", "officer.overdue", True)
    assert len(sms_for(notify, n["key"])) == 1
    still = await held()
    assert still is not None
    assert (still["status"], still["next_attempt_at"]) == ("pending", waiting["next_attempt_at"])
    assert sms_for(notify, str(waiting["key"])) == []  # waiting for the end of the window


async def test_the_county_is_emailed_over_smtp(notify: Notify) -> None:
    county = "350629"  # 华安县
    r = await notify.http.put(f"/counties/{county}/contact", json={"email": "jw@huaan.example.cn"},
                              headers=ADMIN)
    assert r.status_code == 200, r.text
    problem = uid("P-")
    escalated = await notify.publish(ProblemEscalated(problem_id=problem, tier=1, reason="overdue",
                                                      county_code=county, at=now()), LEDGER)
    class_case = await notify.publish(ClassOfCaseOpened(
        class_case_id=uid("CC-"), county_code=county, category="sanzi", pattern="村集体合同未经民主程序发包",
        member_problem_ids=[uid("P-"), uid("P-"), uid("P-")], villages=3, towns=2, at=now()), LEDGER)

    (n,) = await notify.settled(escalated, 1)
    (m,) = await notify.settled(class_case, 1)
    assert [(x["channel"], x["status"]) for x in (n, m)] == [("email", "delivered")] * 2
    messages = {}
    for _, to, raw in notify.far.mailbox.messages:
        mail = message_from_bytes(raw, policy=policy.default)
        messages[str(mail["Message-ID"]).strip()] = (to, str(mail["Subject"]), mail)
    to, subject, mail = messages[f"<{n['key']}@notify.supervision.zhangzhou.gov.cn>"]
    assert to == ["jw@huaan.example.cn"] and subject == f"【提级督办】问题台账{problem}"
    assert "逾期未办结" in mail.get_payload(decode=True).decode("utf-8")
    _, class_subject, _ = messages[f"<{m['key']}@notify.supervision.zhangzhou.gov.cn>"]
    assert class_subject == "【类案促改】村集体合同未经民主程序发包"


async def test_a_named_reporter_is_texted_with_the_contact_intake_gives(notify: Notify) -> None:
    ref, phone = uid("rep_"), "13900139000"
    notify.far.intake.contacts[ref] = {"name": "林某", "phone": phone}
    complaint = complaint_received(reporter_ref=ref, mode="named")
    received = await notify.publish(complaint, INTAKE_SOURCE)
    (acceptance,) = person(await notify.settled(received, 2))
    closed = await notify.publish(status_changed([complaint.complaint_id], to_status="closed",
                                                 from_status="reviewed", action="close",
                                                 details={"disposal": "concluded"}))
    (result,) = person(await notify.settled(closed, 2))

    for notice, words in ((acceptance, "已受理"), (result, "已办结：予以了结")):
        assert (notice["channel"], notice["recipient_ref"], notice["status"]) == ("sms", ref, "delivered")
        (sms,) = sms_for(notify, str(notice["key"]))
        assert sms["to"] == phone and words in sms["text"]
    assert notify.far.intake.reads.count(ref) == 2  # asked at each send, audited by intake
    # Notify keeps the reference and the mode, never the contact details.
    dump = notify.query("SELECT concat_ws('|', (SELECT string_agg(t::text, '|') FROM notifications t), "
                        "(SELECT string_agg(t::text, '|') FROM reporters t), "
                        "(SELECT string_agg(t::text, '|') FROM outbox t))")[0][0]
    assert phone not in dump and "林某" not in dump
    assert notify.query("SELECT reporter_ref, mode FROM reporters WHERE complaint_id = %s",
                        complaint.complaint_id) == [(ref, "named")]


async def test_a_reporter_intake_does_not_know_is_a_dead_letter(notify: Notify) -> None:
    received = await notify.publish(complaint_received(mode="confidential"), INTAKE_SOURCE)
    (notice,) = person(await notify.settled(received, 2))
    assert (notice["status"], notice["last_reason"]) == ("failed", "intake has no contact for this reporter")
    r = await notify.http.get("/dead-letters", params={"channel": "sms"}, headers=ADMIN)
    letters = r.json()["items"]
    assert [(d["reason"], d["attempts"]) for d in letters if d["notification_key"] == notice["key"]] == [
        ("intake has no contact for this reporter", 1)]
    (event,) = await notify.outcome_events({str(notice["key"])})
    assert event["type"].endswith("notification.failed.v1")
    assert event["reason"] == "intake has no contact for this reporter"


async def test_an_anonymous_reporter_is_told_only_through_the_query_code(notify: Notify) -> None:
    complaint = complaint_received(mode="anonymous")
    ref = complaint.reporter_ref
    received = await notify.publish(complaint, INTAKE_SOURCE)
    (acceptance,) = person(await notify.settled(received, 2))
    closed = await notify.publish(status_changed([complaint.complaint_id], to_status="closed",
                                                 from_status="reviewed", action="close"))
    (result,) = person(await notify.settled(closed, 2))
    assert [(n["channel"], n["status"], n["attempts"]) for n in (acceptance, result)] == [
        ("query_code", "delivered", 1)] * 2

    r = await notify.http.get("/notices", params={"reporter_ref": ref}, headers=INTAKE)
    assert r.status_code == 200, r.text
    notices = r.json()["items"]
    assert [n["title"] for n in notices] == [f"受理告知（编号{complaint.complaint_id}）",
                                             f"办理结果告知（编号{complaint.complaint_id}）"]
    assert all(n["due_by"] and date.fromisoformat(n["due_by"]) > date.today() for n in notices)
    assert ref not in notify.far.intake.reads  # nobody looked for a contact
    assert sms_for(notify, str(acceptance["key"])) == sms_for(notify, str(result["key"])) == []
    events = await notify.outcome_events({str(acceptance["key"]), str(result["key"])})
    assert sorted(e["type"].rsplit(".", 2)[-2] for e in events) == ["delivered", "delivered"]
    forbidden = await notify.http.get("/notices", params={"reporter_ref": ref}, headers=HOTLINE)
    assert forbidden.status_code == 403


async def test_transient_failures_are_retried_until_delivered(notify: Notify) -> None:
    from tests.integration.notify_providers.servers import Scripted

    officer = uid("T350623101-")
    await put_officer(notify, officer, phone="13800138003", no_quiet_hours=True)
    notify.far.gateway.script["sms"] = [Scripted(503), Scripted(429, {"Retry-After": "1"}, {"code": "busy"})]
    env = await notify.publish(team(officer), PAIRING)
    (n,) = await notify.settled(env, 1)
    assert (n["status"], n["attempts"]) == ("delivered", 3)
    assert notify.far.gateway.effects[n["key"]] == 1
    (event,) = await notify.outcome_events({n["key"]})
    assert event["attempts"] == 3


async def test_a_missing_contact_is_a_dead_letter_until_requeued(notify: Notify) -> None:
    officer = uid("T350623101-")
    env = await notify.publish(team(officer), PAIRING)
    (n,) = await notify.settled(env, 1)
    assert (n["status"], n["last_reason"]) == ("failed", "no mobile number on file for the officer")

    await put_officer(notify, officer, phone="13800138004", no_quiet_hours=True)
    r = await notify.http.post(f"/notifications/{n['key']}/requeue", headers=ADMIN)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    (again,) = await notify.settled(env, 1)
    assert (again["status"], again["attempts"]) == ("delivered", 2)
    assert len(sms_for(notify, n["key"])) == 1
    refused = await notify.http.post(f"/notifications/{n['key']}/requeue", headers=ADMIN)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_failed")
    listed = (await notify.http.get("/dead-letters", headers=ADMIN)).json()["items"]
    assert n["key"] not in [d["notification_key"] for d in listed]
    everything = (await notify.http.get("/dead-letters", params={"include_requeued": True},
                                        headers=ADMIN)).json()["items"]
    assert [d["requeued_at"] is not None for d in everything if d["notification_key"] == n["key"]] == [True]


async def test_the_sms_gateway_is_rate_limited(notify: Notify) -> None:
    officers = [uid("T350623101-") for _ in range(15)]
    for officer in officers:
        await put_officer(notify, officer, phone="13800138005", no_quiet_hours=True)
    env = await notify.publish(team(*officers), PAIRING)
    items = await notify.settled(env, 15)
    assert {n["status"] for n in items} == {"delivered"}
    keys = {n["key"] for n in items}
    arrivals = sorted(t for t, body in notify.far.gateway.arrivals if json.loads(body)["client_ref"] in keys)
    # 20 per second with a burst of 5: the 15th send cannot leave before (15 - 5) / 20 s.
    assert len(arrivals) == 15
    assert arrivals[-1] - arrivals[0] >= (15 - 5) / 20 - 0.05
