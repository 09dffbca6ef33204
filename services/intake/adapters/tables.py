"""Intake's tables. Reporter contact details live only here, encrypted (reporters table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ComplaintRow(SQLModel, table=True):
    __tablename__ = "complaints"

    id: str = Field(primary_key=True)
    problem_key: str = Field(index=True)
    duplicate_of: str | None = None
    channel: str
    external_ref: str | None = None
    channel_key: str | None = Field(default=None, unique=True)
    caller: str
    category: str
    town_code: str = Field(index=True)
    county_code: str
    village_code: str | None = None
    reporter_ref: str = Field(index=True)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    event: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class IdempotencyRow(SQLModel, table=True):
    """`Idempotency-Key` per caller: the same key returns the same result, never a second complaint."""

    __tablename__ = "idempotency_keys"

    caller: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    fingerprint: str
    complaint_id: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
