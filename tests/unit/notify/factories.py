"""Events and objects for notify tests, at real places (统计用区划代码, data/divisions)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from services.notify.domain.notification import EventRef
from services.notify.domain.subscriptions import SigningSecret, Subscription, SubscriptionFilter
from shared.events.catalog import (
    ClassOfCaseOpened,
    ComplaintReceived,
    DeadlineApproaching,
    Place,
    ProblemEscalated,
    ProblemOpened,
    ProblemStatusChanged,
    TeamAssigned,
    TeamMember,
)

CHINA = timezone(timedelta(hours=8))
# 长泰区坂里乡正达村: the water dispute in the source article.
ZHENGDA = Place(
    village_code="350605200206",
    village_name="正达村委会",
    town_code="350605200",
    town_name="坂里乡",
    county_code="350605",
    county_name="长泰区",
)
# 漳浦县旧镇镇狮头村: the historical contract dispute.
SHITOU = Place(
    village_code="350623101226",
    village_name="狮头村委会",
    town_code="350623101",
    town_name="旧镇镇",
    county_code="350623",
    county_name="漳浦县",
)
SECRET = "whsec_test_secret_0123456789abcdef"
T0 = datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)  # a Tuesday before the 2025 National Day


def ref(payload: Any, event_id: str = "evt-1", source: str = "/supervision/test") -> EventRef:
    return EventRef(source=source, id=event_id, type=payload.TYPE)


def complaint(**changes: Any) -> ComplaintReceived:
    fields: dict[str, Any] = {
        "complaint_id": "C-2025-0001",
        "problem_key": "pk-zhengda-water",
        "channel": "hotline_12345",
        "place": ZHENGDA,
        "category": "livelihood",
        "subject_name": "某村干部",
        "description": "上游截水，正达村用水困难",
        "received_at": T0,
        "reporter_ref": "rep-7f3a",
        "reporter_mode": "named",
    }
    return ComplaintReceived(**(fields | changes))


def problem_opened(**changes: Any) -> ProblemOpened:
    fields: dict[str, Any] = {
        "problem_id": "P-1",
        "problem_key": "pk-zhengda-water",
        "place": ZHENGDA,
        "category": "livelihood",
        "priority": 1,
        "report_count": 1,
        "opened_at": T0,
        "complaint_ids": ["C-2025-0001"],
    }
    return ProblemOpened(**(fields | changes))


def status_changed(**changes: Any) -> ProblemStatusChanged:
    fields: dict[str, Any] = {
        "problem_id": "P-1",
        "problem_key": "pk-zhengda-water",
        "from_status": "reviewed",
        "to_status": "closed",
        "action": "close",
        "actor": "officer:o-2",
        "at": T0,
        "place": ZHENGDA,
        "category": "livelihood",
        "complaint_ids": ["C-2025-0001"],
    }
    return ProblemStatusChanged(**(fields | changes))


def team_assigned(*officers: str) -> TeamAssigned:
    return TeamAssigned(
        assignment_id="A-1",
        problem_id="P-1",
        members=[TeamMember(officer_id=o, role="member") for o in officers],
        mode="cross_town",
        eligible_pool=12,
        at=T0,
    )


def deadline(
    *, overdue: bool, due_on: Any, at: datetime = T0, officers: tuple[str, ...] = ("o-1",)
) -> DeadlineApproaching:
    return DeadlineApproaching(
        problem_id="P-1",
        clock="rectification",
        due_on=due_on,
        overdue=overdue,
        officer_ids=list(officers),
        at=at,
    )


def escalated() -> ProblemEscalated:
    return ProblemEscalated(problem_id="P-1", tier=1, reason="overdue", county_code="350605", at=T0)


def class_of_case() -> ClassOfCaseOpened:
    return ClassOfCaseOpened(
        class_case_id="CC-1",
        county_code="350623",
        category="sanzi",
        pattern="村集体合同未经民主程序发包",
        member_problem_ids=["P-1", "P-2", "P-3"],
        villages=3,
        towns=2,
        at=T0,
    )


def subscription(
    sub_id: str = "sub-1", *, paused: bool = False, **filter_fields: Any
) -> Subscription:
    return Subscription(
        id=sub_id,
        system="hotline-12345",
        endpoint="https://hooks.example.invalid/zz",
        filter=SubscriptionFilter(**filter_fields),
        secrets=(SigningSecret(value=SECRET, created_at=datetime(2025, 1, 1, tzinfo=UTC)),),
        paused=paused,
    )


NIGHT = time(22, 0)
MORNING = time(8, 0)
