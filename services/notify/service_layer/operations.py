"""Operator use cases (运维): the contact directory and requeueing dead letters, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notify.adapters.deliveries import delivery_of, state_values
from services.notify.adapters.tables import contacts, dead_letters, notifications
from services.notify.domain.delivery import InvalidTransition
from services.notify.domain.notification import Channel, RecipientKind
from services.notify.domain.quiet_hours import QuietHours
from services.notify.service_layer.sender import wakeup_channel
from shared.http.errors import ApiError


@dataclass(frozen=True, slots=True)
class ContactChange:
    phone: str | None
    email: str | None
    channels: tuple[Channel, ...] | None  # None: the defaults for the kind
    quiet_hours: QuietHours | None  # None: the default window, unless no_quiet_hours
    no_quiet_hours: bool = False


async def put_contact(
    sessions: async_sessionmaker[AsyncSession], kind: RecipientKind, ref: str, change: ContactChange
) -> dict[str, Any]:
    values = {
        "phone": change.phone,
        "email": change.email,
        "channels": [c.value for c in change.channels] if change.channels else None,
        "quiet_start": change.quiet_hours.start if change.quiet_hours else None,
        "quiet_end": change.quiet_hours.end if change.quiet_hours else None,
        "no_quiet_hours": change.no_quiet_hours,
        "updated_at": datetime.now(UTC),
    }
    async with sessions() as session, session.begin():
        stmt = pg_insert(contacts).values(kind=kind.value, ref=ref, **values)
        row = (await session.execute(
            stmt.on_conflict_do_update(index_elements=["kind", "ref"], set_=values).returning(contacts)
        )).mappings().one()
    return dict(row)


async def get_contact(
    sessions: async_sessionmaker[AsyncSession], kind: RecipientKind, ref: str
) -> dict[str, Any]:
    async with sessions() as session:
        row = (await session.execute(
            sa.select(contacts).where(contacts.c.kind == kind.value, contacts.c.ref == ref)
        )).mappings().first()
    if row is None:
        raise ApiError(404, "contact_not_found", f"no contact on file for {kind.value} {ref}")
    return dict(row)


async def requeue(sessions: async_sessionmaker[AsyncSession], key: str) -> dict[str, Any]:
    """Send a dead letter again from scratch, same key (so still at most once at the provider)."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        row = (await session.execute(
            sa.select(notifications).where(notifications.c.key == key).with_for_update()
        )).mappings().first()
        if row is None:
            raise ApiError(404, "notification_not_found", f"no notification {key}")
        try:
            again = delivery_of(row).requeue(now)
        except InvalidTransition as exc:
            raise ApiError(409, "not_failed", str(exc)) from exc
        values = state_values(again, now)
        await session.execute(notifications.update().where(notifications.c.key == key).values(values))
        await session.execute(
            dead_letters.update()
            .where(dead_letters.c.notification_key == key, dead_letters.c.requeued_at.is_(None))
            .values(requeued_at=now)
        )
        await session.execute(sa.select(sa.func.pg_notify(wakeup_channel(Channel(row["channel"])), "")))
    return {**dict(row), **values}
