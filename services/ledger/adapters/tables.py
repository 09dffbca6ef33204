"""The ledger's tables (SQLModel). State is also a fold over `problem_events`: the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ProblemRow(SQLModel, table=True):
    __tablename__ = "problems"

    id: str = Field(primary_key=True)
    problem_key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    status: str
    category: str
    town_code: str = Field(index=True)
    county_code: str = Field(index=True)
    village_code: str | None = None
    place: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    subject_name: str | None = None
    subject_unit: str | None = None
    escalate_up: bool = False
    priority: int = 1
    report_count: int = 1
    team: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    version: int = 1


class ProblemReportRow(SQLModel, table=True):
    """Each complaint that reported the problem (并案): the first opens it, the rest attach."""

    __tablename__ = "problem_reports"
    __table_args__ = (UniqueConstraint("complaint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    problem_id: str = Field(index=True, foreign_key="problems.id")
    complaint_id: str
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ProblemEventRow(SQLModel, table=True):
    """The problem's timeline: every transition with actor, time and reason."""

    __tablename__ = "problem_events"

    id: int | None = Field(default=None, primary_key=True)
    problem_id: str = Field(index=True, foreign_key="problems.id")
    action: str
    from_status: str | None = None
    to_status: str
    actor: str
    reason: str | None = None
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
