"""Notify's tables (通知服务数据表). Contact details of reporters are never stored here.

- `notifications`: one row per (event, recipient, channel), keyed by the notification key, with
  its delivery state; `wake_at` is when a sender should next look at it (NULL once final).
- `dead_letters`: permanent failures with the reason (死信), kept after a requeue.
- `subscriptions`: calling systems' endpoints, filters and signing secrets (encrypted).
- `reporters`: per complaint id, the reporter's opaque ref and mode (result notices need them;
  the ledger does not know reporters).
- `contacts`: the small directory of officers' and county commissions' phone, email and
  channel preferences.
- `notices`: notices kept for reporters to read with their query code (查询码查阅).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Identity, Text, Time
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class NotifyTable(SQLModel, registry=registry()):
    """Notify's own metadata: SQLModel's default one is shared by every service imported in a process,
    where intake's and notify's `reporters` would collide."""



class NotificationRow(NotifyTable, table=True):
    __tablename__ = "notifications"

    key: str = Field(primary_key=True)
    cause_source: str
    cause_id: str = Field(index=True)
    cause_type: str
    recipient_kind: str
    recipient_ref: str
    channel: str
    template_id: str
    variables: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    urgent: bool = False
    due_by: date | None = Field(default=None, sa_column=Column(Date))
    due_by_estimated: bool = False
    quiet_start: time | None = Field(default=None, sa_column=Column(Time))
    quiet_end: time | None = Field(default=None, sa_column=Column(Time))
    status: str
    attempts: int = 0
    round_start: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True)
    lease_until: datetime | None = _ts(nullable=True)
    wake_at: datetime | None = _ts(nullable=True)
    last_reason: str = ""
    provider_ref: str | None = None
    finished_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DeadLetterRow(NotifyTable, table=True):
    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    notification_key: str = Field(index=True)
    channel: str
    recipient_kind: str
    template_id: str
    reason: str
    attempts: int
    failed_at: datetime = _ts()
    requeued_at: datetime | None = _ts(nullable=True)


class SubscriptionRow(NotifyTable, table=True):
    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True)
    owner: str = Field(index=True)
    endpoint: str
    filter: dict[str, list[str]] = Field(sa_column=Column(JSONB, nullable=False))
    # [{"token": Fernet token of the secret, "created_at": iso, "expires_at": iso | null}], newest first
    secrets: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    paused: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ReporterRow(NotifyTable, table=True):
    __tablename__ = "reporters"

    complaint_id: str = Field(primary_key=True)
    reporter_ref: str
    mode: str
    recorded_at: datetime = _ts()


class ContactRow(NotifyTable, table=True):
    __tablename__ = "contacts"

    kind: str = Field(primary_key=True)  # officer | county
    ref: str = Field(primary_key=True)
    phone: str | None = None
    email: str | None = None
    channels: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    quiet_start: time | None = Field(default=None, sa_column=Column(Time))
    quiet_end: time | None = Field(default=None, sa_column=Column(Time))
    no_quiet_hours: bool = False
    updated_at: datetime = _ts()


class NoticeRow(NotifyTable, table=True):
    __tablename__ = "notices"

    key: str = Field(primary_key=True)
    reporter_ref: str = Field(index=True)
    complaint_id: str | None = None
    template_id: str
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    due_by: date | None = Field(default=None, sa_column=Column(Date))
    created_at: datetime = _ts()


notifications = NotificationRow.__table__  # type: ignore[attr-defined]
dead_letters = DeadLetterRow.__table__  # type: ignore[attr-defined]
subscriptions = SubscriptionRow.__table__  # type: ignore[attr-defined]
reporters = ReporterRow.__table__  # type: ignore[attr-defined]
contacts = ContactRow.__table__  # type: ignore[attr-defined]
notices = NoticeRow.__table__  # type: ignore[attr-defined]
