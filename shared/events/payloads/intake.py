"""Events published by the intake service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from shared.events.payloads.base import PREFIX, AttachmentMeta, Payload, Place
from shared.events.topics import COMPLAINTS, RATINGS, VISITS, Topic


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
    # Which commission's level handles it (town / county / city / province); set with 提级.
    handling_level: str | None = None
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
    persons_visited: int | None = Field(default=None, ge=0)  # 走访人次, the figure the county reports

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


PAYLOADS: tuple[type[Payload], ...] = (
    ComplaintReceived,
    VisitLogged,
    ReporterRated,
)
