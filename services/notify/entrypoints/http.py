"""Notify HTTP API: subscriptions for calling systems (状态回调订阅) and delivery status."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.notify.adapters.tables import NotificationRow, SubscriptionRow
from shared.http.auth import Caller, require
from shared.http.errors import ApiError

router = APIRouter(tags=["notify 通知"])
Subscriber = Annotated[Caller, Depends(require("subscriptions:write"))]
Reader = Annotated[Caller, Depends(require("notifications:read"))]
subscriptions = SubscriptionRow.__table__  # type: ignore[attr-defined]
notifications = NotificationRow.__table__  # type: ignore[attr-defined]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl
    event_types: list[str] = Field(default_factory=list, max_length=50)


@router.post("/subscriptions", status_code=201, summary="Subscribe an endpoint to status webhooks")
async def create_subscription(body: SubscriptionIn, request: Request, caller: Subscriber) -> dict[str, Any]:
    sub_id = str(uuid.uuid4())
    secret = secrets.token_urlsafe(32)
    async with request.app.state.runtime.sessions() as session, session.begin():
        await session.execute(subscriptions.insert().values(
            id=sub_id, caller=caller.name, url=str(body.url), secrets=[secret],
            event_types=body.event_types, filters={}, active=True, created_at=datetime.now(UTC)))
    # The secret is shown once; the receiver keeps it to verify our signatures.
    return {"id": sub_id, "url": str(body.url), "event_types": body.event_types, "secret": secret}


@router.get("/notifications/{notification_id}", summary="Delivery status of one notification")
async def get_notification(notification_id: str, request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        row = (await session.execute(
            sa.select(notifications).where(notifications.c.id == notification_id))).first()
    if row is None:
        raise ApiError(404, "notification_not_found", f"no notification {notification_id}")
    out = dict(row._mapping)
    out.pop("body", None)
    return out
