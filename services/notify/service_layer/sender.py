"""Deliver due notifications: claim, send with the notification id as idempotency key, record.

Claiming sets a lease (status `sending`, `next_attempt_at` = now + lease) and commits before any
network call, so a crashed sender's rows come back after the lease. The provider receives the
notification id as `Idempotency-Key`; if we crash after it accepted and before we wrote the
status, the retry is answered as a duplicate, which counts as delivered (GOV.UK Notify practice).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notify.adapters.tables import NotificationRow, SubscriptionRow
from services.notify.domain.signing import sign
from services.notify.settings import NotifySettings
from shared.events.catalog import NotificationDelivered, NotificationFailed
from shared.faults import failpoint
from shared.outbox.writer import stage
from shared.wakeup import Wakeup

log = logging.getLogger(__name__)
SOURCE = "/supervision/notify"
notifications = NotificationRow.__table__  # type: ignore[attr-defined]
subscriptions = SubscriptionRow.__table__  # type: ignore[attr-defined]


class Sender:
    def __init__(self, settings: NotifySettings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0))

    async def run(self, stop: asyncio.Event) -> None:
        async with Wakeup(self.settings.asyncpg_dsn, "notifications_due", 1.0) as wakeup:
            try:
                while not stop.is_set():
                    try:
                        sent = await self.send_due()
                    except Exception:
                        log.exception("sender pass failed")
                        sent = 0
                    if not sent:
                        await wakeup.wait(stop)
            finally:
                await self.client.aclose()

    async def claim(self) -> list[Any]:
        now = datetime.now(UTC)
        lease = now + timedelta(seconds=self.settings.sender_lease_seconds)
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(
                sa.select(notifications)
                .where(notifications.c.status.in_(["pending", "sending"]),
                       notifications.c.next_attempt_at <= now)
                .order_by(notifications.c.next_attempt_at)
                .limit(self.settings.sender_batch)
                .with_for_update(skip_locked=True)
            )).all()
            if rows:
                await session.execute(
                    notifications.update().where(notifications.c.id.in_([r.id for r in rows]))
                    .values(status="sending", attempts=notifications.c.attempts + 1, next_attempt_at=lease)
                )
        return list(rows)

    async def send_due(self) -> int:
        rows = await self.claim()
        await asyncio.gather(*(self._deliver(r) for r in rows))
        return len(rows)

    async def _secrets_for(self, row: Any) -> list[str]:
        if row.recipient_ref.startswith("subscription:"):
            sub_id = row.recipient_ref.split(":", 1)[1]
            async with self.sessions() as session:
                secrets = await session.scalar(
                    sa.select(subscriptions.c.secrets).where(subscriptions.c.id == sub_id))
            return list(secrets or [])
        return [self.settings.default_webhook_secret]

    async def _deliver(self, row: Any) -> None:
        body = json.dumps(row.body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/cloudevents+json", "Idempotency-Key": row.id,
                   "X-Notification-Id": row.id}
        headers.update(sign(body, await self._secrets_for(row), datetime.now(UTC)))
        attempts = row.attempts + 1
        try:
            response = await self.client.post(row.target, content=body, headers=headers)
            status = response.status_code
            error = None if status < 300 or status == 409 else f"http {status}"
        except httpx.HTTPError as exc:
            status, error = 0, f"{type(exc).__name__}: {exc}"
        if error is None:
            failpoint("sender.after_provider_accept")
            await self._finish(row, "delivered", attempts, None)
            return
        permanent = 400 <= status < 500 and status not in (408, 429)
        if permanent or attempts >= self.settings.sender_max_attempts:
            await self._finish(row, "failed", attempts, error)
            return
        # Exponential backoff with full jitter: retries from many senders do not synchronise.
        delay = random.uniform(0, min(300.0, 0.5 * 2**attempts))
        async with self.sessions() as session, session.begin():
            await session.execute(notifications.update().where(notifications.c.id == row.id).values(
                status="pending", last_error=error,
                next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay)))

    async def _finish(self, row: Any, status: str, attempts: int, error: str | None) -> None:
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            updated = await session.execute(
                notifications.update()
                .where(notifications.c.id == row.id, notifications.c.status == "sending")
                .values(status=status, last_error=error, delivered_at=now if error is None else None)
                .returning(notifications.c.id)
            )
            if updated.first() is None:
                return  # another sender finished it after our lease ran out
            common = {"notification_id": row.id, "channel": row.channel,
                      "recipient_kind": row.recipient_kind, "template": row.template,
                      "cause_event_id": row.cause_event_id, "attempts": attempts, "at": now}
            if error is None:
                await stage(session, NotificationDelivered(**common), SOURCE)
            else:
                await stage(session, NotificationFailed(**common, reason=error), SOURCE)
