"""Turn a domain event into the notifications it calls for, in the consumer's transaction.

A notification's id is derived from (cause event, recipient, channel), and the insert ignores a
row that exists: that is what makes "sent once per (event, recipient, channel)" hold however often
the event is delivered.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.tables import NotificationRow, SubscriptionRow
from services.notify.settings import NotifySettings
from shared.events.catalog import Payload
from shared.events.envelope import Envelope

_NS = uuid.UUID("a3c1e0d2-9b7f-4e55-8c21-5d6f7a8b9c0e")
notifications = NotificationRow.__table__  # type: ignore[attr-defined]
subscriptions = SubscriptionRow.__table__  # type: ignore[attr-defined]


def notification_id(env: Envelope, recipient: str, channel: str) -> str:
    return str(uuid.uuid5(_NS, f"{env.source}|{env.id}|{recipient}|{channel}"))


def webhook_body(env: Envelope) -> dict[str, Any]:
    """What a calling system receives: the CloudEvent in structured JSON form."""
    return {
        "specversion": "1.0", "id": env.id, "source": env.source, "type": env.type,
        "subject": env.subject, "time": env.time.isoformat(), "data": dict(env.data),
    }


class Planner:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    async def on_status_event(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        if self.settings.default_webhook_url:
            rows.append(self._webhook_row(env, "default", self.settings.default_webhook_url, now))
        subs = (await session.execute(sa.select(subscriptions).where(subscriptions.c.active))).all()
        for sub in subs:
            if sub.event_types and env.type not in sub.event_types:
                continue
            rows.append(self._webhook_row(env, f"subscription:{sub.id}", sub.url, now))
        if rows:
            await session.execute(pg_insert(notifications).values(rows).on_conflict_do_nothing())

    def _webhook_row(self, env: Envelope, recipient: str, url: str, now: datetime) -> dict[str, Any]:
        return {
            "id": notification_id(env, recipient, "webhook"), "cause_event_id": env.id,
            "event_type": env.type, "channel": "webhook", "recipient_kind": "calling_system",
            "recipient_ref": recipient, "target": url, "template": "status_webhook",
            "body": webhook_body(env), "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now,
        }
