"""Intake's tables 受理数据表.

Reporter contact details live only in `reporters`, sealed (AES-256-GCM, key id beside the blob);
the query code only as a keyed digest. `complaints.description` is the outbound text (scrubbed of
the reporter's own details), the same text the ledger receives. `problem_progress` and
`progress_entries` are a projection of the ledger's PROBLEMS topic, for progress queries and
Open311 status; intake never writes problem state of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, LargeBinary
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


def _tz(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=nullable, **kw))


class IntakeTable(SQLModel, registry=registry()):
    """Intake's own metadata: SQLModel's default one is shared by every service imported in a process,
    where intake's `reporters` and `visits` would collide with notify's and the ledger's."""



class ComplaintRow(IntakeTable, table=True):
    """投诉举报件: one accepted complaint, from any channel."""

    __tablename__ = "complaints"

    id: str = Field(primary_key=True)
    problem_key: str = Field(index=True)
    duplicate_of: str | None = None  # the earlier report it was clustered with 重复举报
    channel: str
    external_ref: str | None = None
    channel_key: str | None = Field(default=None, unique=True)
    caller: str
    category: str
    place_code: str  # village code, or town code when no village was given
    town_code: str
    county_code: str
    village_code: str | None = None
    subject_name: str | None = None
    subject_unit: str | None = None
    description: str  # outbound text: the reporter's own details masked
    escalate_up: bool = False  # 提级
    handling_level: str
    reporter_ref: str = Field(index=True)
    visit_id: str | None = Field(default=None, index=True)
    media_url: str | None = None
    received_at: datetime = _tz()
    accepted_at: datetime = _tz(server_default=sa.func.now())


class ReporterRow(IntakeTable, table=True):
    """举报人: the protection mode and, sealed, how to reach them. One row per complaint."""

    __tablename__ = "reporters"

    reporter_ref: str = Field(primary_key=True)
    mode: str  # named / confidential / anonymous / institutional
    sealed_contact: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    contact_key_id: str | None = None
    query_code_digest: str | None = Field(default=None, unique=True)
    created_at: datetime = _tz(server_default=sa.func.now())


class ClaimRow(IntakeTable, table=True):
    """幂等键: the first request to claim a key decides the result every retry gets back.

    Keys are `hd1:` (a caller's Idempotency-Key), `ch1:` (channel + external reference) or a
    visit-log key; `fingerprint` is set for `hd1:` keys only, to refuse a reused key with a
    different body.
    """

    __tablename__ = "idempotency_claims"

    key: str = Field(primary_key=True)
    kind: str
    caller: str
    fingerprint: str | None = None
    result: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _tz()


class VisitRow(IntakeTable, table=True):
    """走访记录: one household-visit log; counts in statistics even with no problem found."""

    __tablename__ = "visits"

    id: str = Field(primary_key=True)
    log_id: str
    visit_key: str = Field(unique=True)
    caller: str
    officer_id: str
    village_code: str
    town_code: str = Field(index=True)
    county_code: str
    visited_on: date
    households_visited: int
    persons_visited: int
    problem_count: int
    recorded_at: datetime = _tz()


class PersonalDataReadRow(IntakeTable, table=True):
    """个人信息查阅记录: every read of a reporter's contact details, found or not."""

    __tablename__ = "personal_data_reads"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    reporter_ref: str = Field(index=True)
    reader: str
    purpose: str
    fields: list[str] = Field(sa_column=Column(ARRAY(sa.Text), nullable=False))
    found: bool
    at: datetime = _tz()


class ProblemProgressRow(IntakeTable, table=True):
    """The ledger's problem as intake needs it: status for Open311 and the progress query."""

    __tablename__ = "problem_progress"

    problem_key: str = Field(primary_key=True)
    problem_id: str = Field(index=True)
    status: str
    closed: bool = False
    status_notes: str | None = None
    # Officer ids and actors the ledger named: masked wherever a note is shown to a reporter.
    officer_refs: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(sa.Text), nullable=False))
    expected_at: datetime | None = _tz(nullable=True)
    updated_at: datetime = _tz()


class ProgressEntryRow(IntakeTable, table=True):
    """办理进度: one stage a reporter may see; problem-wide, or one complaint's own (merged, rated)."""

    __tablename__ = "progress_entries"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    problem_key: str = Field(index=True)
    complaint_id: str | None = Field(default=None, index=True)
    stage: str
    note: str | None = None
    at: datetime = _tz()


class RatingRow(IntakeTable, table=True):
    """满意度评价 given with the query code; the ledger hears of it as ReporterRated."""

    __tablename__ = "ratings"

    id: str = Field(primary_key=True)
    complaint_id: str = Field(index=True)
    score: int
    resolved: bool
    rated_at: datetime = _tz()


complaints = ComplaintRow.__table__  # type: ignore[attr-defined]
reporters = ReporterRow.__table__  # type: ignore[attr-defined]
claims = ClaimRow.__table__  # type: ignore[attr-defined]
visits = VisitRow.__table__  # type: ignore[attr-defined]
personal_data_reads = PersonalDataReadRow.__table__  # type: ignore[attr-defined]
problem_progress = ProblemProgressRow.__table__  # type: ignore[attr-defined]
progress_entries = ProgressEntryRow.__table__  # type: ignore[attr-defined]
ratings = RatingRow.__table__  # type: ignore[attr-defined]
