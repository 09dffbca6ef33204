"""The progress projection 办理进度: the ledger's PROBLEMS topic folded into what intake shows.

Only stages a reporter may see are kept (see `domain.progress.Stage`); who was assigned is kept
solely as ids to mask, never shown. Each handler runs in the consumer's transaction with the
processed-event row, so a redelivered event changes nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import complaints, problem_progress, progress_entries
from services.intake.domain.progress import Stage
from services.intake.domain.protection.redaction import redact
from shared.events.catalog import (
    DeadlineApproaching,
    Payload,
    ProblemOpened,
    ProblemReportAttached,
    ProblemStatusChanged,
)
from shared.events.envelope import Envelope

CHINA = timezone(timedelta(hours=8))
CLOSED_STATUSES = frozenset({"closed"})
_BY_STATUS = {
    "assigned": Stage.ASSIGNED,
    "rectifying": Stage.RECTIFYING,
    "awaiting_review": Stage.RECTIFYING,
    "reviewed": Stage.RECTIFYING,
    "filed_pending": Stage.RECTIFYING,
    "closed": Stage.CLOSED,
    "merged": Stage.MERGED,
}
_BY_ACTION = {"transfer_up": Stage.ESCALATED, "reopen": Stage.REOPENED}
LABELS = {
    Stage.RECEIVED: "已受理",
    Stage.MERGED: "已并入同一问题办理",
    Stage.ASSIGNED: "已交办",
    Stage.ESCALATED: "已提级办理",
    Stage.RECTIFYING: "整改中",
    Stage.CLOSED: "已办结",
    Stage.REOPENED: "重新办理",
    Stage.RATED: "已评价",
}
NOTE_STAGES = frozenset({Stage.CLOSED, Stage.REOPENED})
# Built once, the row passed as parameters (a `.values(...)` statement is traversed anew per call).
_INSERT_ENTRY = progress_entries.insert()


def stage_of(action: str, to_status: str) -> Stage | None:
    """The stage a reporter sees for a ledger transition; None for bookkeeping they do not see."""
    return _BY_ACTION.get(action) or _BY_STATUS.get(to_status)


def status_notes(stage: Stage, reason: str | None, officer_refs: list[str]) -> str:
    """Open311 `status_notes`: the stage in words, plus the reason when closed or reopened."""
    if stage in NOTE_STAGES and reason:
        return f"{LABELS[stage]}:{redact(reason, officer_refs)}"
    return LABELS[stage]


async def on_problem_opened(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ProblemOpened)
    await session.execute(
        pg_insert(problem_progress)
        .values(problem_key=payload.problem_key, problem_id=payload.problem_id, status="registered",
                closed=False, status_notes=LABELS[Stage.RECEIVED], officer_refs=[],
                updated_at=payload.opened_at)
        .on_conflict_do_nothing(index_elements=["problem_key"])
    )


async def on_status_changed(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ProblemStatusChanged)
    p = payload
    stage = stage_of(p.action, p.to_status)
    current = (await session.execute(
        sa.select(problem_progress).where(problem_progress.c.problem_key == p.problem_key).with_for_update()
    )).first()
    refs = sorted({*(current.officer_refs if current else ()), *_officer_refs(p)})
    values = {"problem_id": p.problem_id, "status": p.to_status, "closed": p.to_status in CLOSED_STATUSES,
              "officer_refs": refs, "updated_at": p.at}
    if stage is not None:
        values["status_notes"] = status_notes(stage, p.reason, refs)
    stmt = pg_insert(problem_progress).values(problem_key=p.problem_key, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["problem_key"], set_=values))
    if stage is None or await _last_stage(session, p.problem_key) is stage:
        return
    note = p.reason if stage in NOTE_STAGES else None
    await session.execute(_INSERT_ENTRY, {"problem_key": p.problem_key, "complaint_id": None,
                                          "stage": stage.value, "note": note, "at": p.at})


async def on_report_attached(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ProblemReportAttached)
    problem_key = await session.scalar(
        sa.select(complaints.c.problem_key).where(complaints.c.id == payload.complaint_id))
    if problem_key is None:
        return  # a report the ledger got from elsewhere; nothing of ours to show it on
    await session.execute(progress_entries.insert().values(
        problem_key=problem_key, complaint_id=payload.complaint_id, stage=Stage.MERGED.value,
        note=None, at=payload.at))


async def on_deadline(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, DeadlineApproaching)
    # Open311 `expected_datetime`: the end of the due day, China time.
    expected = datetime.combine(payload.due_on, time(23, 59, 59), CHINA)
    await session.execute(problem_progress.update()
                          .where(problem_progress.c.problem_id == payload.problem_id)
                          .values(expected_at=expected))


def _officer_refs(p: ProblemStatusChanged) -> set[str]:
    refs = {p.actor} if p.actor else set()
    for member in p.details.get("members", ()) or ():
        if isinstance(member, dict) and member.get("officer_id"):
            refs.add(str(member["officer_id"]))
    return refs


async def _last_stage(session: AsyncSession, problem_key: str) -> Stage | None:
    last = await session.scalar(
        sa.select(progress_entries.c.stage)
        .where(progress_entries.c.problem_key == problem_key, progress_entries.c.complaint_id.is_(None))
        .order_by(progress_entries.c.at.desc(), progress_entries.c.id.desc()).limit(1))
    return Stage(last) if last else None


HANDLERS = {
    ProblemOpened.TYPE: on_problem_opened,
    ProblemStatusChanged.TYPE: on_status_changed,
    ProblemReportAttached.TYPE: on_report_attached,
    DeadlineApproaching.TYPE: on_deadline,
}
