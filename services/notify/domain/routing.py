"""Who gets what (通知路由): from one event of the shared catalog to the notifications it causes.

- pairing TeamAssigned: every team member (officer) is told of the new assignment.
- ledger DeadlineApproaching: the officers on the clock; overdue (逾期) is urgent, and so is
  the last working day.
- ledger ProblemEscalated (督办): the county commission named in the event, urgent.
- ledger ClassOfCaseOpened (类案促改): the county commission.
- intake ComplaintReceived: the reporter's acceptance notice (受理告知), due within 15
  working days of receipt.
- ledger ProblemStatusChanged to `closed`: each reporter's result notice (结果告知), due within
  15 working days of closure. The ledger does not know reporters: the service layer passes
  the `Reporter` it recorded from ComplaintReceived for each complaint of the problem.
- Anonymous reporters (匿名) only ever get a notice stored for their query code, never a push.
- ComplaintReceived, ProblemOpened and ProblemStatusChanged are also status changes: one
  webhook per matching, unpaused calling-system subscription.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from services.notify.domain.notification import (
    Channel,
    EventRef,
    Notification,
    Recipient,
    RecipientKind,
    notification_key,
)
from services.notify.domain.preferences import (
    Preferences,
    effective_preferences,
    quiet_hours_for,
)
from services.notify.domain.status_changes import (
    WEBHOOK_TEMPLATE_ID,
    status_change_of,
    webhook_variables,
)
from services.notify.domain.subscriptions import Subscription
from services.notify.domain.vocabulary import (
    CATEGORY_LABELS,
    CLOCK_LABELS,
    DISPOSAL_LABELS,
    ESCALATION_REASON_LABELS,
    GENERIC_RESULT,
    label,
)
from services.notify.domain.working_days import (
    DueDate,
    add_working_days,
    china_date,
    working_days_between,
)
from shared.events.catalog import (
    ClassOfCaseOpened,
    ComplaintReceived,
    DeadlineApproaching,
    Payload,
    ProblemEscalated,
    ProblemStatusChanged,
    TeamAssigned,
)

LEGAL_NOTICE_WORKING_DAYS = 15  # 检举控告工作规则: acceptance and result notices
ANONYMOUS_MODE = "anonymous"  # intake's ReporterMode for 匿名


@dataclass(frozen=True, slots=True)
class Reporter:
    """A reporter as notify knows one: an opaque ref and whether they stayed anonymous."""

    ref: str
    anonymous: bool


def reporter_of(complaint: ComplaintReceived) -> Reporter:
    """What to remember per complaint id, so the result notice can find its reporter."""
    return Reporter(ref=complaint.reporter_ref, anonymous=complaint.reporter_mode == ANONYMOUS_MODE)


@dataclass(frozen=True, slots=True)
class Intent:
    """Who gets which message, before channels are chosen."""

    recipient: Recipient
    template_id: str
    variables: Mapping[str, str]
    urgent: bool = False
    due_by: DueDate | None = None
    forced_channels: tuple[Channel, ...] | None = None


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _officers(
    officer_ids: Iterable[str], template_id: str, variables: dict[str, str], urgent: bool
) -> list[Intent]:
    return [
        Intent(Recipient(RecipientKind.OFFICER, officer), template_id, variables, urgent)
        for officer in sorted(set(officer_ids))
    ]


def _team_assigned(p: TeamAssigned) -> list[Intent]:
    members = (m.officer_id for m in p.members)
    return _officers(members, "officer.team_assigned", {"problem_id": p.problem_id}, False)


def _deadline(p: DeadlineApproaching) -> list[Intent]:
    variables = {
        "problem_id": p.problem_id,
        "clock": label(CLOCK_LABELS, p.clock),
        "deadline": zh_date(p.due_on),
    }
    if p.overdue:
        return _officers(p.officer_ids, "officer.overdue", variables, urgent=True)
    days_left = working_days_between(china_date(p.at), p.due_on)
    variables["days_left"] = str(days_left)
    # The last working day is worth an SMS in quiet hours; earlier reminders wait for morning.
    return _officers(
        p.officer_ids, "officer.deadline_approaching", variables, urgent=days_left <= 1
    )


def _escalated(p: ProblemEscalated) -> list[Intent]:
    variables = {
        "problem_id": p.problem_id,
        "reason": label(ESCALATION_REASON_LABELS, p.reason),
    }
    county = Recipient(RecipientKind.COUNTY, p.county_code)
    return [Intent(county, "county.escalated", variables, urgent=True)]


def _class_of_case(p: ClassOfCaseOpened) -> list[Intent]:
    variables = {
        "class_id": p.class_case_id,
        "title": p.pattern,
        "category": label(CATEGORY_LABELS, p.category),
        "problem_count": str(len(p.member_problem_ids)),
        "town_count": str(p.towns),
        "village_count": str(p.villages),
    }
    county = Recipient(RecipientKind.COUNTY, p.county_code)
    return [Intent(county, "county.class_of_case", variables)]


def _reporter_intent(
    reporter: Reporter, template_id: str, variables: dict[str, str], due_by: DueDate
) -> Intent:
    return Intent(
        recipient=Recipient(RecipientKind.REPORTER, reporter.ref),
        template_id=template_id,
        variables=variables,
        due_by=due_by,
        forced_channels=(Channel.QUERY_CODE,) if reporter.anonymous else None,
    )


def _acceptance(p: ComplaintReceived) -> list[Intent]:
    received_on = china_date(p.received_at)
    variables = {"complaint_id": p.complaint_id, "received_on": zh_date(received_on)}
    due_by = add_working_days(received_on, LEGAL_NOTICE_WORKING_DAYS)
    return [_reporter_intent(reporter_of(p), "reporter.acceptance", variables, due_by)]


def _result(p: ProblemStatusChanged, reporters: Mapping[str, Reporter]) -> list[Intent]:
    if p.to_status != "closed":
        return []
    closed_on = china_date(p.at)
    due_by = add_working_days(closed_on, LEGAL_NOTICE_WORKING_DAYS)
    disposal = p.details.get("disposal")
    outcome = GENERIC_RESULT
    if isinstance(disposal, str):
        outcome = DISPOSAL_LABELS.get(disposal, GENERIC_RESULT)
    intents = []
    for complaint_id in sorted(set(p.complaint_ids) or set(reporters)):
        reporter = reporters.get(complaint_id)
        if reporter is None:
            continue  # found by inspection or a household visit: nobody to notify
        variables = {
            "complaint_id": complaint_id,
            "closed_on": zh_date(closed_on),
            "outcome": outcome,
        }
        intents.append(_reporter_intent(reporter, "reporter.result", variables, due_by))
    return intents


def plan(payload: Payload, reporters: Mapping[str, Reporter] | None = None) -> list[Intent]:
    """People to tell about an event (not calling systems); [] for events nobody is told of."""
    if isinstance(payload, TeamAssigned):
        return _team_assigned(payload)
    if isinstance(payload, DeadlineApproaching):
        return _deadline(payload)
    if isinstance(payload, ProblemEscalated):
        return _escalated(payload)
    if isinstance(payload, ClassOfCaseOpened):
        return _class_of_case(payload)
    if isinstance(payload, ComplaintReceived):
        return _acceptance(payload)
    if isinstance(payload, ProblemStatusChanged):
        return _result(payload, reporters or {})
    return []


def _webhook_intents(
    event: EventRef, payload: Payload, subscriptions: Iterable[Subscription]
) -> list[Intent]:
    change = status_change_of(event, payload)
    if change is None:
        return []
    variables = webhook_variables(change)
    return [
        Intent(
            recipient=Recipient(RecipientKind.CALLING_SYSTEM, sub.id),
            template_id=WEBHOOK_TEMPLATE_ID,
            variables=variables,
            forced_channels=(Channel.WEBHOOK,),
        )
        for sub in sorted(subscriptions, key=lambda s: s.id)
        if sub.matches(change)
    ]


def route(
    event: EventRef,
    payload: Payload,
    *,
    subscriptions: Iterable[Subscription] = (),
    preferences: Mapping[Recipient, Preferences] | None = None,
    reporters: Mapping[str, Reporter] | None = None,
) -> list[Notification]:
    """Every notification an event causes, one per (recipient, channel), keyed for sent-once.

    `reporters`: complaint id -> Reporter for the complaints of the problem (result notices).
    Routing the same event again yields the same keys; the caller inserts them with "on
    conflict do nothing" and nothing is sent twice.
    """
    chosen = preferences or {}
    intents = plan(payload, reporters) + _webhook_intents(event, payload, subscriptions)
    notifications: dict[str, Notification] = {}
    for intent in intents:
        prefs = effective_preferences(intent.recipient.kind, chosen.get(intent.recipient))
        for channel in intent.forced_channels or prefs.channels:
            key = notification_key(event, intent.recipient, channel)
            notifications.setdefault(
                key,
                Notification(
                    key=key,
                    event=event,
                    recipient=intent.recipient,
                    channel=channel,
                    template_id=intent.template_id,
                    variables=intent.variables,
                    urgent=intent.urgent,
                    due_by=intent.due_by.day if intent.due_by else None,
                    due_by_estimated=intent.due_by.estimated if intent.due_by else False,
                    quiet_hours=quiet_hours_for(channel, intent.urgent, prefs),
                ),
            )
    return list(notifications.values())


def recipients_of(
    payload: Payload, reporters: Mapping[str, Reporter] | None = None
) -> list[Recipient]:
    """People an event concerns, so the caller can load their preferences before `route`."""
    return [intent.recipient for intent in plan(payload, reporters)]
