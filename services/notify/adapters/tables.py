"""Notify's tables: subscriptions of calling systems, and one row per notification to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class SubscriptionRow(SQLModel, table=True):
    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True)
    caller: str = Field(index=True)
    url: str
    secrets: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NotificationRow(SQLModel, table=True):
    """One (event, recipient, channel): its id is derived from those three, so it exists once."""

    __tablename__ = "notifications"

    id: str = Field(primary_key=True)
    cause_event_id: str
    event_type: str
    channel: str
    recipient_kind: str
    recipient_ref: str
    target: str
    template: str
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
