"""Every event payload that crosses a service boundary, defined once.

A payload is a pydantic model with its CloudEvents `type` (versioned, past tense) and its topic.
Producers build the model and hand it to the outbox; consumers get it back validated through
`parse`. A payload that does not match its model is malformed and goes to the dead-letter topic.
No payload carries a reporter's identity: only the opaque `reporter_ref` that intake issued.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.events.envelope import Envelope, MalformedEvent
from shared.events.topics import (
    ASSIGNMENTS,
    CLASS_CASES,
    COMPLAINTS,
    NOTIFICATIONS,
    PROBLEMS,
    RATINGS,
    VISITS,
    Topic,
)

PREFIX = "cn.gov.zhangzhou.supervision"


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    TYPE: ClassVar[str]
    TOPIC: ClassVar[Topic]

    def subject(self) -> str:
        """The aggregate id, used as the Kafka key."""
        raise NotImplementedError


class Place(BaseModel):
    """A real statistical division (统计用区划代码): village optional, town and county always."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    village_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    village_name: str | None = None
    town_code: str = Field(pattern=r"^\d{9}$")
    town_name: str
    county_code: str = Field(pattern=r"^\d{6}$")
    county_name: str


class AttachmentMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    media_type: str


# --- intake -------------------------------------------------------------------------------


class ComplaintReceived(Payload):
    """收到举报: a complaint was accepted by intake (any channel)."""

    TYPE: ClassVar[str] = f"{PREFIX}.intake.complaint.received.v1"
    TOPIC: ClassVar[Topic] = COMPLAINTS

    complaint_id: str
    problem_key: str
    duplicate_of: str | None = None
    channel: str
    external_ref: str | None = None
    place: Place
    category: str
    subject_name: str | None = None
    subject_unit: str | None = None
    escalate_up: bool = False
    description: str
    amount_yuan: Decimal | None = None
    land_mu: Decimal | None = None
    attachments: list[AttachmentMeta] = Field(default_factory=list)
    occurred_at: datetime | None = None
    received_at: datetime
    reporter_ref: str
    reporter_mode: str
    visit_id: str | None = None

    def subject(self) -> str:
        return self.complaint_id


class VisitLogged(Payload):
    """走访日志: an officer visited households and logged what was found."""

    TYPE: ClassVar[str] = f"{PREFIX}.intake.visit.logged.v1"
    TOPIC: ClassVar[Topic] = VISITS

    visit_id: str
    officer_id: str
    place: Place
    visited_on: date
    households_visited: int = Field(ge=0)
    problems_found: int = Field(ge=0)

    def subject(self) -> str:
        return self.visit_id


class ReporterRated(Payload):
    """群众评价: the reporter rated the result, through their query code or contact."""

    TYPE: ClassVar[str] = f"{PREFIX}.intake.reporter.rated.v1"
    TOPIC: ClassVar[Topic] = RATINGS

    rating_id: str
    complaint_id: str
    problem_key: str
    score: int = Field(ge=1, le=5)
    resolved: bool
    comment: str | None = None
    rated_at: datetime

    def subject(self) -> str:
        return self.complaint_id


# --- ledger --------------------------------------------------------------------------------


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


# --- pairing -------------------------------------------------------------------------------


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    officer_id: str
    role: str
    town_code: str | None = None
    county_code: str | None = None
    unit: str | None = None


class TeamAssigned(Payload):
    """交办到组: a conflict-free team from another town was assigned to a problem."""

    TYPE: ClassVar[str] = f"{PREFIX}.pairing.team.assigned.v1"
    TOPIC: ClassVar[Topic] = ASSIGNMENTS

    assignment_id: str
    problem_id: str
    members: list[TeamMember]
    mode: str
    seed: str | None = None
    eligible_pool: int
    exclusions: dict[str, int] = Field(default_factory=dict)
    replaces_assignment_id: str | None = None
    at: datetime

    def subject(self) -> str:
        return self.problem_id


class TeamUnstaffable(Payload):
    """无法回避: no conflict-free team exists; a checkable certificate goes up with the escalation."""

    TYPE: ClassVar[str] = f"{PREFIX}.pairing.team.unstaffable.v1"
    TOPIC: ClassVar[Topic] = ASSIGNMENTS

    problem_id: str
    reason: str
    certificate: dict[str, Any]
    at: datetime

    def subject(self) -> str:
        return self.problem_id


# --- notify --------------------------------------------------------------------------------


class NotificationDelivered(Payload):
    TYPE: ClassVar[str] = f"{PREFIX}.notify.notification.delivered.v1"
    TOPIC: ClassVar[Topic] = NOTIFICATIONS

    notification_id: str
    channel: str
    recipient_kind: str
    template: str
    cause_event_id: str
    attempts: int
    at: datetime

    def subject(self) -> str:
        return self.notification_id


class NotificationFailed(Payload):
    TYPE: ClassVar[str] = f"{PREFIX}.notify.notification.failed.v1"
    TOPIC: ClassVar[Topic] = NOTIFICATIONS

    notification_id: str
    channel: str
    recipient_kind: str
    template: str
    cause_event_id: str
    attempts: int
    reason: str
    at: datetime

    def subject(self) -> str:
        return self.notification_id


ALL_PAYLOADS: tuple[type[Payload], ...] = (
    ComplaintReceived, VisitLogged, ReporterRated,
    ProblemOpened, ProblemStatusChanged, ProblemReportAttached, ProblemEscalated,
    DeadlineApproaching, ClassOfCaseOpened,
    TeamAssigned, TeamUnstaffable,
    NotificationDelivered, NotificationFailed,
)
BY_TYPE: dict[str, type[Payload]] = {p.TYPE: p for p in ALL_PAYLOADS}


def parse(envelope: Envelope) -> Payload:
    """The validated payload of a known event type; MalformedEvent otherwise."""
    model = BY_TYPE.get(envelope.type)
    if model is None:
        raise MalformedEvent("unknown_type", f"unknown event type {envelope.type!r}")
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedEvent(
            "schema_mismatch", exc.json(include_url=False, include_input=False)
        ) from exc
