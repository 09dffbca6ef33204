"""Pairing's tables: the officer registry and the assignments made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class OfficerRow(SQLModel, table=True):
    __tablename__ = "officers"

    id: str = Field(primary_key=True)
    name: str
    kind: str
    unit: str
    county_code: str = Field(index=True)
    town_code: str | None = Field(default=None, index=True)
    native_village_code: str | None = None
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    past_posts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    relations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    capacity: int = 5
    active_load: int = 0  # open assignments now; kept with each assignment for O(1) load checks
    available: bool = True


class AssignmentRow(SQLModel, table=True):
    __tablename__ = "assignments"

    id: str = Field(primary_key=True)
    problem_id: str = Field(index=True)
    town_code: str
    members: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    mode: str
    explanation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    active: bool = True
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
