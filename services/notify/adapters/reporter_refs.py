"""Per complaint, the reporter's opaque ref and mode (`reporters`): the result notice needs to
know whom, and how. Read and written for a whole fetch of events in one statement each."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.tables import reporters
from services.notify.domain.routing import ANONYMOUS_MODE, Reporter
from shared.events.catalog import ComplaintReceived

_REMEMBER = sa.text(
    "INSERT INTO reporters (complaint_id, reporter_ref, mode, recorded_at) "
    "SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:refs AS text[]), CAST(:modes AS text[]), "
    "CAST(:ats AS timestamptz[])) ON CONFLICT DO NOTHING"
)


async def remember(session: AsyncSession, received: Sequence[tuple[ComplaintReceived, datetime]]) -> None:
    """Only the opaque ref and the mode, never a contact detail; the first record of a complaint stays."""
    if received:
        await session.execute(_REMEMBER, {
            "ids": [c.complaint_id for c, _ in received], "refs": [c.reporter_ref for c, _ in received],
            "modes": [c.reporter_mode for c, _ in received], "ats": [at for _, at in received],
        })


async def of_complaints(session: AsyncSession, complaint_ids: Collection[str]) -> dict[str, Reporter]:
    if not complaint_ids:
        return {}
    rows = (await session.execute(
        sa.select(reporters.c.complaint_id, reporters.c.reporter_ref, reporters.c.mode)
        .where(reporters.c.complaint_id.in_(sorted(complaint_ids)))
    )).all()
    return {r.complaint_id: Reporter(ref=r.reporter_ref, anonymous=r.mode == ANONYMOUS_MODE) for r in rows}
