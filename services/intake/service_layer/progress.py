"""Progress queries 办理进度查询 and ratings 满意度评价.

A calling system asks by complaint id (only for its own complaints); a reporter by query code.
Both get `domain.progress.progress_view`: stages and dates, notes only where the reporter is
meant to read them, officers never named, nothing of the other reports on the same problem.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import (
    complaints,
    problem_progress,
    progress_entries,
    ratings,
    reporters,
)
from services.intake.domain.progress import ProgressView, Stage, TimelineEntry, progress_view
from services.intake.domain.protection.query_code import QueryCodeHasher
from services.intake.domain.protection.redaction import redact
from services.intake.service_layer.store import SOURCE
from shared.events.catalog import ReporterRated
from shared.outbox.writer import stage


@dataclass(frozen=True)
class ComplaintProgress:
    complaint: Row[Any]
    view: ProgressView


class RatingRefused(Exception):
    """满意度评价 not possible now: the reason is the 409's code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def by_complaint_id(
    session: AsyncSession, complaint_id: str, *, lock: bool = False
) -> ComplaintProgress | None:
    query = sa.select(complaints).where(complaints.c.id == complaint_id)
    row = (await session.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        return None
    return ComplaintProgress(row, await _view(session, row, reference=row.id))


async def by_query_code(
    session: AsyncSession, code: str, hasher: QueryCodeHasher, *, lock: bool = False
) -> ComplaintProgress | None:
    """The complaint a query code belongs to: one indexed probe per key in the ring, so the time
    taken says nothing about how close a guess was."""
    digests = hasher.lookup_digests(code)
    if not digests:
        return None
    query = (
        sa.select(complaints)
        .join(reporters, reporters.c.reporter_ref == complaints.c.reporter_ref)
        .where(reporters.c.query_code_digest.in_(digests))
    )
    row = (await session.execute(query.with_for_update(of=complaints) if lock else query)).first()
    if row is None:
        return None
    # The code is not echoed back: whoever reads the response learns no reference to reuse.
    return ComplaintProgress(row, await _view(session, row, reference=""))


async def _view(session: AsyncSession, complaint: Row[Any], reference: str) -> ProgressView:
    entries = [TimelineEntry(complaint.received_at, Stage.RECEIVED)]
    rows = await session.execute(
        sa.select(progress_entries.c.at, progress_entries.c.stage, progress_entries.c.note)
        .where(progress_entries.c.problem_key == complaint.problem_key)
        .where(sa.or_(progress_entries.c.complaint_id.is_(None),
                      progress_entries.c.complaint_id == complaint.id))
    )
    entries += [TimelineEntry(r.at, Stage(r.stage), r.note) for r in rows]
    rated = await session.execute(sa.select(ratings.c.rated_at).where(ratings.c.complaint_id == complaint.id))
    entries += [TimelineEntry(r.rated_at, Stage.RATED) for r in rated]
    officers = await session.scalar(sa.select(problem_progress.c.officer_refs)
                                    .where(problem_progress.c.problem_key == complaint.problem_key))
    return progress_view(entries, reference=reference, personal_names=officers or ())


async def rate(
    session: AsyncSession, found: ComplaintProgress, *, score: int, resolved: bool,
    comment: str | None, now: datetime,
) -> str:
    """Record the rating and stage ReporterRated; refused unless the complaint is closed and not
    yet rated since it was last closed."""
    if not found.view.can_rate:
        if found.view.status != "closed":
            raise RatingRefused("not_closed", "the complaint is not closed yet; rate it once it is")
        raise RatingRefused("already_rated", "the result was already rated")
    rating_id = str(uuid.uuid4())
    complaint = found.complaint
    await session.execute(ratings.insert().values(
        id=rating_id, complaint_id=complaint.id, score=score, resolved=resolved, rated_at=now))
    await stage(session, ReporterRated(
        rating_id=rating_id, complaint_id=complaint.id, problem_key=complaint.problem_key,
        score=score, resolved=resolved, comment=redact(comment) if comment else None, rated_at=now,
    ), SOURCE)
    return rating_id
