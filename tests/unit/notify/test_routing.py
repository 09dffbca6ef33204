import json
from datetime import date, datetime

import pytest

from services.notify.domain.notification import Channel, Recipient, RecipientKind
from services.notify.domain.preferences import DEFAULT_QUIET_HOURS, Preferences
from services.notify.domain.routing import Reporter, recipients_of, reporter_of, route
from services.notify.domain.status_changes import webhook_body
from services.notify.domain.templates import render
from tests.unit.notify.factories import (
    CHINA,
    SHITOU,
    T0,
    class_of_case,
    complaint,
    deadline,
    escalated,
    problem_opened,
    ref,
    status_changed,
    subscription,
    team_assigned,
)


def by_kind(notifications: list, kind: RecipientKind) -> list:  # type: ignore[type-arg]
    return [n for n in notifications if n.recipient.kind is kind]


def test_team_assignment_tells_each_member_once() -> None:
    payload = team_assigned("o-2", "o-1", "o-2")
    out = route(ref(payload), payload)
    assert [(n.recipient.ref, n.channel, n.template_id) for n in out] == [
        ("o-1", Channel.SMS, "officer.team_assigned"),
        ("o-2", Channel.SMS, "officer.team_assigned"),
    ]
    assert out[0].variables == {"problem_id": "P-1"}
    assert out[0].quiet_hours == DEFAULT_QUIET_HOURS  # not urgent: waits for morning


def test_overdue_is_urgent_and_skips_quiet_hours() -> None:
    payload = deadline(overdue=True, due_on=date(2025, 9, 29))
    (n,) = route(ref(payload), payload)
    assert (n.template_id, n.urgent, n.quiet_hours) == ("officer.overdue", True, None)
    assert n.variables == {"problem_id": "P-1", "clock": "整改", "deadline": "2025年9月29日"}


def test_deadline_reminder_counts_working_days_left() -> None:
    # From Tue 30 Sep 2025 to Fri 10 Oct: only Oct 9 and 10 are working days.
    payload = deadline(overdue=False, due_on=date(2025, 10, 10))
    (n,) = route(ref(payload), payload)
    assert n.template_id == "officer.deadline_approaching"
    assert n.variables["days_left"] == "2"
    assert not n.urgent


def test_last_working_day_reminder_is_urgent() -> None:
    payload = deadline(overdue=False, due_on=date(2025, 10, 9))
    (n,) = route(ref(payload), payload)
    assert n.variables["days_left"] == "1"
    assert n.urgent and n.quiet_hours is None


def test_escalation_goes_to_the_county_by_email() -> None:
    payload = escalated()
    (n,) = route(ref(payload), payload)
    assert n.recipient == Recipient(RecipientKind.COUNTY, "350605")
    assert (n.channel, n.template_id, n.urgent) == (Channel.EMAIL, "county.escalated", True)
    assert n.variables == {"problem_id": "P-1", "reason": "逾期未办结"}


def test_class_of_case_goes_to_the_county() -> None:
    payload = class_of_case()
    (n,) = route(ref(payload), payload)
    assert n.recipient == Recipient(RecipientKind.COUNTY, "350623")
    assert n.variables["category"] == "三资"
    assert n.variables["problem_count"] == "3"


def test_acceptance_notice_due_fifteen_working_days_after_receipt() -> None:
    payload = complaint()
    (n,) = by_kind(route(ref(payload), payload), RecipientKind.REPORTER)
    assert n.recipient == Recipient(RecipientKind.REPORTER, "rep-7f3a")
    assert (n.channel, n.template_id) == (Channel.SMS, "reporter.acceptance")
    assert n.due_by == date(2025, 10, 28)  # across the 2025 National Day holiday
    assert not n.due_by_estimated
    assert n.variables == {"complaint_id": "C-2025-0001", "received_on": "2025年9月30日"}


def test_receipt_late_in_the_evening_utc_counts_in_china_time() -> None:
    payload = complaint(received_at=datetime(2025, 9, 30, 23, 30, tzinfo=CHINA))
    (n,) = by_kind(route(ref(payload), payload), RecipientKind.REPORTER)
    assert n.variables["received_on"] == "2025年9月30日"


def test_anonymous_reporter_is_only_reached_through_the_query_code() -> None:
    payload = complaint(reporter_mode="anonymous")
    wants_sms = {Recipient(RecipientKind.REPORTER, "rep-7f3a"): Preferences((Channel.SMS,))}
    (n,) = by_kind(route(ref(payload), payload, preferences=wants_sms), RecipientKind.REPORTER)
    assert n.channel is Channel.QUERY_CODE
    assert not n.channel.is_push
    assert n.due_by == date(2025, 10, 28)


def test_confidential_reporter_is_pushed() -> None:
    payload = complaint(reporter_mode="confidential")
    (n,) = by_kind(route(ref(payload), payload), RecipientKind.REPORTER)
    assert n.channel is Channel.SMS


def test_preferences_can_add_channels_each_with_its_own_key() -> None:
    payload = team_assigned("o-1")
    prefs = {Recipient(RecipientKind.OFFICER, "o-1"): Preferences((Channel.SMS, Channel.EMAIL))}
    out = route(ref(payload), payload, preferences=prefs)
    assert [n.channel for n in out] == [Channel.SMS, Channel.EMAIL]
    assert len({n.key for n in out}) == 2


def test_result_notice_on_closure_for_every_reporter() -> None:
    payload = status_changed(complaint_ids=["C-1", "C-2", "C-3"], details={"disposal": "concluded"})
    reporters = {"C-1": Reporter("rep-1", False), "C-2": Reporter("rep-2", True)}
    out = by_kind(route(ref(payload), payload, reporters=reporters), RecipientKind.REPORTER)
    assert [(n.recipient.ref, n.channel) for n in out] == [
        ("rep-1", Channel.SMS),
        ("rep-2", Channel.QUERY_CODE),
    ]  # C-3 came from an inspection: nobody to tell
    assert out[0].template_id == "reporter.result"
    assert out[0].variables == {
        "complaint_id": "C-1",
        "closed_on": "2025年9月30日",
        "outcome": "予以了结",
    }
    assert out[0].due_by == date(2025, 10, 28)


def test_result_notice_without_a_disposal_uses_the_generic_result() -> None:
    payload = status_changed()
    reporters = {"C-2025-0001": Reporter("rep-1", False)}
    (n,) = by_kind(route(ref(payload), payload, reporters=reporters), RecipientKind.REPORTER)
    assert n.variables["outcome"] == "问题已办结并销号"


def test_closure_without_complaint_ids_uses_the_reporters_passed_in() -> None:
    payload = status_changed(complaint_ids=[])
    reporters = {"C-7": Reporter("rep-7", False)}
    (n,) = by_kind(route(ref(payload), payload, reporters=reporters), RecipientKind.REPORTER)
    assert n.variables["complaint_id"] == "C-7"


def test_other_status_changes_tell_no_reporter() -> None:
    payload = status_changed(to_status="rectifying")
    reporters = {"C-2025-0001": Reporter("rep-1", False)}
    assert route(ref(payload), payload, reporters=reporters) == []


def test_every_routed_notice_renders_on_its_channel() -> None:
    payloads = [
        team_assigned("o-1"),
        deadline(overdue=True, due_on=date(2025, 9, 29)),
        deadline(overdue=False, due_on=date(2025, 10, 20)),
        escalated(),
        class_of_case(),
        complaint(),
        status_changed(details={"disposal": "talk_or_letter"}),
    ]
    prefs = {
        Recipient(kind, r): Preferences((Channel.SMS, Channel.EMAIL, Channel.QUERY_CODE))
        for kind, r in [
            (RecipientKind.OFFICER, "o-1"),
            (RecipientKind.COUNTY, "350605"),
            (RecipientKind.COUNTY, "350623"),
            (RecipientKind.REPORTER, "rep-7f3a"),
        ]
    }
    reporters = {"C-2025-0001": Reporter("rep-7f3a", False)}
    rendered = 0
    for payload in payloads:
        for n in route(ref(payload), payload, preferences=prefs, reporters=reporters):
            render(n.template_id, n.channel, n.variables)
            rendered += 1
    assert rendered >= 15


def test_routing_twice_gives_the_same_keys() -> None:
    payload = complaint()
    subs = [subscription(complaint_ids=frozenset({"C-2025-0001"}))]
    first = route(ref(payload), payload, subscriptions=subs)
    again = route(ref(payload), payload, subscriptions=subs)
    assert [n.key for n in first] == [n.key for n in again]
    assert route(ref(payload, event_id="evt-2"), payload, subscriptions=subs)[0].key != (
        first[0].key
    )


def test_status_webhook_per_matching_subscription() -> None:
    payload = status_changed()
    subs = [
        subscription("sub-b", complaint_ids=frozenset({"C-2025-0001"})),
        subscription(
            "sub-a", categories=frozenset({"livelihood"}), area_prefixes=frozenset({"350605"})
        ),
        subscription("sub-c", area_prefixes=frozenset({"350623"})),  # 漳浦县: elsewhere
        subscription("sub-d", complaint_ids=frozenset({"C-2025-0001"}), paused=True),
    ]
    hooks = by_kind(route(ref(payload), payload, subscriptions=subs), RecipientKind.CALLING_SYSTEM)
    assert [(n.recipient.ref, n.channel) for n in hooks] == [
        ("sub-a", Channel.WEBHOOK),
        ("sub-b", Channel.WEBHOOK),
    ]
    assert hooks[0].quiet_hours is None


def test_complaint_received_and_problem_opened_are_status_changes_too() -> None:
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    for payload, status in ((complaint(), "received"), (problem_opened(), "registered")):
        (hook,) = by_kind(
            route(ref(payload), payload, subscriptions=[sub]), RecipientKind.CALLING_SYSTEM
        )
        assert hook.variables["status"] == status


def test_events_that_are_not_status_changes_send_no_webhooks() -> None:
    sub = subscription(area_prefixes=frozenset({"35"}))
    payload = escalated()
    assert (
        by_kind(route(ref(payload), payload, subscriptions=[sub]), RecipientKind.CALLING_SYSTEM)
        == []
    )


def test_webhook_body_carries_whitelisted_fields_only() -> None:
    payload = complaint(place=SHITOU, category="sanzi")
    sub = subscription(area_prefixes=frozenset({"350623"}))
    (hook,) = by_kind(
        route(ref(payload), payload, subscriptions=[sub]), RecipientKind.CALLING_SYSTEM
    )
    body = webhook_body(hook, attempt=2)
    document = json.loads(body)
    assert document == {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "/supervision/test",
        "type": payload.TYPE,
        "subject": "C-2025-0001",
        "time": T0.isoformat(),
        "datacontenttype": "application/json",
        "notificationid": hook.key,
        "subscriptionid": "sub-1",
        "deliveryattempt": 2,
        "data": {
            "status": "received",
            "status_label": "已接收",
            "occurred_at": T0.isoformat(),
            "complaint_ids": ["C-2025-0001"],
            "category": "sanzi",
            "area_code": "350623101226",
        },
    }
    text = body.decode()
    for secret in ("rep-7f3a", "某村干部", "上游截水"):  # reporter ref, accused, description
        assert secret not in text


def test_ledger_transition_webhook_keeps_the_team_and_drops_free_text() -> None:
    member = {"officer_id": "T350605200-1", "role": "lead", "town_code": "350605200",
              "county_code": "350605", "unit": "坂里乡纪委", "phone": "13800000000"}
    payload = status_changed(
        from_status="registered", to_status="assigned", action="assign", reason="某村干部拖延",
        details={"members": [member], "assignment_id": "A-1", "note": "上游截水", "disposal": 3},
    )
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    (hook,) = route(ref(payload), payload, subscriptions=[sub])
    document = json.loads(webhook_body(hook, 1))
    assert document["subject"] == "P-1"
    data = document["data"]
    assert (data["from_status"], data["to_status"], data["action"]) == ("registered", "assigned", "assign")
    assert data["problem_id"] == "P-1" and data["complaint_ids"] == ["C-2025-0001"]
    assert data["details"] == {"members": [{k: v for k, v in member.items() if k != "phone"}]}
    text = webhook_body(hook, 1).decode()
    for secret in ("13800000000", "某村干部", "上游截水", "officer:o-2"):
        assert secret not in text


def test_first_transition_has_a_null_from_status() -> None:
    payload = status_changed(from_status=None, to_status="registered", action="register")
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    (hook,) = route(ref(payload), payload, subscriptions=[sub])
    data = json.loads(webhook_body(hook, 1))["data"]
    assert "from_status" in data and data["from_status"] is None


def test_webhook_bodies_differ_per_attempt_but_keep_the_id() -> None:
    payload = status_changed()
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    (hook,) = route(ref(payload), payload, subscriptions=[sub])
    one, two = json.loads(webhook_body(hook, 1)), json.loads(webhook_body(hook, 2))
    assert one["notificationid"] == two["notificationid"] == hook.key
    assert one["id"] == two["id"] == "evt-1"
    assert webhook_body(hook, 1) != webhook_body(hook, 2)
    with pytest.raises(ValueError):
        webhook_body(hook, 0)


def test_recipients_of_lists_people_for_preference_loading() -> None:
    assert recipients_of(team_assigned("o-1", "o-2")) == [
        Recipient(RecipientKind.OFFICER, "o-1"),
        Recipient(RecipientKind.OFFICER, "o-2"),
    ]


def test_reporter_of_remembers_anonymity() -> None:
    assert reporter_of(complaint(reporter_mode="anonymous")) == Reporter("rep-7f3a", True)
    assert reporter_of(complaint()) == Reporter("rep-7f3a", False)


def test_unrelated_events_route_to_nobody() -> None:
    from shared.events.catalog import ProblemReportAttached

    payload = ProblemReportAttached(
        problem_id="P-1", complaint_id="C-2", report_count=2, priority=2, at=T0
    )
    assert (
        route(ref(payload), payload, subscriptions=[subscription(area_prefixes=frozenset({"35"}))])
        == []
    )
