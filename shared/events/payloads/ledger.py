"""Events published by the ledger service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import Field

from shared.events.payloads.base import PREFIX, Payload, Place
from shared.events.topics import CLASS_CASES, PROBLEMS, Topic


class ProblemOpened(Payload):
    """问题登记: a new problem went on the ledger."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.problem.opened.v1"
    TOPIC: ClassVar[Topic] = PROBLEMS

    problem_id: str
    problem_key: str
    place: Place
    category: str
    subject_name: str | None = None
    subject_unit: str | None = None
    escalate_up: bool = False
    priority: int
    report_count: int
    opened_at: datetime
    complaint_ids: list[str]

    def subject(self) -> str:
        return self.problem_id


class ProblemStatusChanged(Payload):
    """状态变更: any lifecycle transition, with the actor and the reason (timeline entry)."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.problem.status_changed.v1"
    TOPIC: ClassVar[Topic] = PROBLEMS

    problem_id: str
    problem_key: str
    from_status: str | None
    to_status: str
    action: str
    actor: str
    reason: str | None = None
    at: datetime
    place: Place
    category: str
    complaint_ids: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    def subject(self) -> str:
        return self.problem_id


class ProblemReportAttached(Payload):
    """重复举报并案: another report of the same problem; raises its priority."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.problem.report_attached.v1"
    TOPIC: ClassVar[Topic] = PROBLEMS

    problem_id: str
    complaint_id: str
    report_count: int
    priority: int
    at: datetime

    def subject(self) -> str:
        return self.problem_id


class ProblemEscalated(Payload):
    """督办: overdue or reworked too often; the county (or the tier above) is told."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.problem.escalated.v1"
    TOPIC: ClassVar[Topic] = PROBLEMS

    problem_id: str
    tier: int
    reason: str
    county_code: str
    at: datetime
    # The level and area told at this tier (tier 1: the county; tier 2: the city, "3506").
    to_level: str | None = None
    to_area_code: str | None = None

    def subject(self) -> str:
        return self.problem_id


class DeadlineApproaching(Payload):
    """临期提醒 / 逾期: a clock is about to run out, or has."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.problem.deadline.v1"
    TOPIC: ClassVar[Topic] = PROBLEMS

    problem_id: str
    clock: str
    due_on: date
    overdue: bool
    officer_ids: list[str]
    at: datetime
    # True when the due date crosses a year with no official holiday schedule yet (counted
    # Monday to Friday); it may move when the schedule is published.
    estimated: bool = False

    def subject(self) -> str:
        return self.problem_id


class ClassOfCaseOpened(Payload):
    """类案促改: the same kind of problem in many villages or towns; a systemic fix is opened."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.class_of_case.opened.v1"
    TOPIC: ClassVar[Topic] = CLASS_CASES

    class_case_id: str
    county_code: str
    category: str
    pattern: str
    member_problem_ids: list[str]
    villages: int
    towns: int
    at: datetime

    def subject(self) -> str:
        return self.class_case_id


class ClassOfCaseStatusChanged(Payload):
    """类案促改进展: a class-of-case item moved (measure adopted 制度措施出台, reviewed 检视, closed 完结)."""

    TYPE: ClassVar[str] = f"{PREFIX}.ledger.class_of_case.status_changed.v1"
    TOPIC: ClassVar[Topic] = CLASS_CASES

    class_case_id: str
    county_code: str
    from_status: str
    to_status: str
    action: str
    actor: str
    at: datetime
    member_problem_ids: list[str] = Field(default_factory=list)

    def subject(self) -> str:
        return self.class_case_id


PAYLOADS: tuple[type[Payload], ...] = (
    ProblemOpened,
    ProblemStatusChanged,
    ProblemReportAttached,
    ProblemEscalated,
    DeadlineApproaching,
    ClassOfCaseOpened,
    ClassOfCaseStatusChanged,
)
