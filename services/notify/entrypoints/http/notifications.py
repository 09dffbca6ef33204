"""Delivery status (发送状态) of notifications, the dead-letter store (死信), requeue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from services.notify.adapters.tables import dead_letters, notifications
from services.notify.domain.delivery import DeliveryStatus
from services.notify.entrypoints.http.deps import UUID_PATTERN, Admin, Reader, Services
from services.notify.service_layer.operations import requeue
from shared.http.errors import ApiError

router = APIRouter(tags=["notifications 通知发送"])
Key = Annotated[str, Path(pattern=UUID_PATTERN, description="the notification key")]
ChannelName = Literal["webhook", "sms", "email", "query_code"]
StatusName = Literal["pending", "sending", "retry_scheduled", "delivered", "failed"]


class Cause(BaseModel):
    source: str
    id: str
    type: str


class NotificationOut(BaseModel):
    key: str
    status: DeliveryStatus
    channel: str
    recipient_kind: str
    recipient_ref: str
    template_id: str
    cause: Cause
    urgent: bool
    due_by: date | None
    due_by_estimated: bool
    attempts: int
    next_attempt_at: datetime | None
    last_reason: str
    provider_ref: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class DeadLetterOut(BaseModel):
    id: int
    notification_key: str
    channel: str
    recipient_kind: str
    template_id: str
    reason: str
    attempts: int
    failed_at: datetime
    requeued_at: datetime | None


def _out(row: Any) -> NotificationOut:
    m = row._mapping if hasattr(row, "_mapping") else row
    cause = Cause(source=m["cause_source"], id=m["cause_id"], type=m["cause_type"])
    fields = {k: m[k] for k in NotificationOut.model_fields if k != "cause"}
    return NotificationOut(cause=cause, **fields)


@router.get("/notifications/{key}", summary="Delivery status of one notification (发送状态)")
async def get_notification(key: Key, _: Reader, services: Services) -> NotificationOut:
    async with services.sessions() as session:
        row = (await session.execute(sa.select(notifications).where(notifications.c.key == key))).first()
    if row is None:
        raise ApiError(404, "notification_not_found", f"no notification {key}")
    return _out(row)


@router.get("/notifications", summary="Notifications by cause event, status or channel (通知列表)")
async def list_notifications(
    _: Reader,
    services: Services,
    cause_event_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    status: StatusName | None = None,
    channel: ChannelName | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    query = sa.select(notifications).order_by(notifications.c.created_at, notifications.c.key)
    if cause_event_id is not None:
        query = query.where(notifications.c.cause_id == cause_event_id)
    if status is not None:
        query = query.where(notifications.c.status == status)
    if channel is not None:
        query = query.where(notifications.c.channel == channel)
    async with services.sessions() as session:
        rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return {"items": [_out(r) for r in rows], "limit": limit, "offset": offset}


@router.get("/dead-letters", summary="Permanent failures with their reason (死信)")
async def list_dead_letters(
    _: Reader,
    services: Services,
    channel: ChannelName | None = None,
    include_requeued: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    query = sa.select(dead_letters).order_by(dead_letters.c.id)
    if channel is not None:
        query = query.where(dead_letters.c.channel == channel)
    if not include_requeued:
        query = query.where(dead_letters.c.requeued_at.is_(None))
    async with services.sessions() as session:
        rows = (await session.execute(query.limit(limit).offset(offset))).mappings().all()
    return {"items": [DeadLetterOut(**r) for r in rows], "limit": limit, "offset": offset}


@router.post("/notifications/{key}/requeue", summary="Send a dead letter again, same key (重新发送)")
async def requeue_notification(key: Key, _: Admin, services: Services) -> NotificationOut:
    return _out(await requeue(services.sessions, key))
