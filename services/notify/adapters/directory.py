"""The contact directory (通讯录) of officers and county commissions, and their preferences.

Only people acting in office are here; reporters' contact details stay with intake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.tables import contacts
from services.notify.domain.notification import Channel, Recipient, RecipientKind
from services.notify.domain.preferences import Preferences
from services.notify.domain.quiet_hours import QuietHours

DIRECTORY_KINDS = (RecipientKind.OFFICER, RecipientKind.COUNTY)


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    email: str | None


def preferences_of(row: Any, default_quiet: QuietHours | None) -> Preferences:
    """The recipient's choice; no channels means the default channels for their kind."""
    quiet = default_quiet
    if row.no_quiet_hours:
        quiet = None
    elif row.quiet_start is not None and row.quiet_end is not None:
        quiet = QuietHours(start=row.quiet_start, end=row.quiet_end)
    return Preferences(channels=tuple(Channel(c) for c in row.channels or ()), quiet_hours=quiet)


def _keys(recipients: Iterable[Recipient]) -> list[tuple[str, str]]:
    return sorted({(r.kind.value, r.ref) for r in recipients if r.kind in DIRECTORY_KINDS})


async def _rows(session: AsyncSession, recipients: Iterable[Recipient]) -> list[Any]:
    keys = _keys(recipients)
    if not keys:
        return []
    query = sa.select(contacts).where(sa.tuple_(contacts.c.kind, contacts.c.ref).in_(keys))
    return list((await session.execute(query)).all())


async def preferences(
    session: AsyncSession, recipients: Iterable[Recipient], default_quiet: QuietHours | None
) -> dict[Recipient, Preferences]:
    """Everyone's preferences: their own from the directory, else the defaults with the
    operator's quiet hours (reporters are never in the directory)."""
    people = list(recipients)
    out = {r: Preferences(channels=(), quiet_hours=default_quiet) for r in people}
    for row in await _rows(session, people):
        out[Recipient(RecipientKind(row.kind), row.ref)] = preferences_of(row, default_quiet)
    return out


async def addresses(session: AsyncSession, recipients: Iterable[Recipient]) -> dict[Recipient, Contact]:
    return {
        Recipient(RecipientKind(row.kind), row.ref): Contact(row.phone, row.email)
        for row in await _rows(session, recipients)
    }
