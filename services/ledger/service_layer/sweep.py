"""The clock sweep (时限巡检), a background job: reminders before a deadline (临期提醒), overdue
notices (逾期), and escalation tiers (督办).

Safe to run as often as one likes and on several replicas at once: a problem is locked while it
is swept (others skip it), a notice is staged once per clock run, due date and kind (the
`deadline_notices` row commits with it), and the domain raises each escalation tier once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.ledger.adapters.journal import SOURCE
from services.ledger.adapters.tables import deadline_notices, problems
from services.ledger.domain.clocks import Clock
from services.ledger.domain.escalation import escalate
from services.ledger.domain.lifecycle import OPEN
from services.ledger.domain.period import local_date
from services.ledger.service_layer import store
from services.ledger.service_layer.context import LedgerContext
from shared.consumer import is_infrastructure_error
from shared.events.catalog import DeadlineApproaching
from shared.outbox.writer import stage

log = logging.getLogger(__name__)
SWEEPER = "system:sweep"
_NS = uuid.UUID("a83f6e12-0b4d-4c7e-9f21-5d6c8b9e0a34")


@dataclass
class SweepReport:
    checked: int = 0
    approaching: int = 0
    overdue: int = 0
    escalated: int = 0
    failed: int = 0


def _notice_id(problem_id: str, clock: Clock, due: date, overdue: bool) -> str:
    return str(uuid.uuid5(_NS, f"{problem_id}|{clock.kind}|{clock.start}|{due}|{overdue}"))


async def _notice(session: AsyncSession, loaded: store.LoadedProblem, clock: Clock, due: date,
                  overdue: bool, estimated: bool, now: datetime) -> bool:
    """Stage the notice unless this clock run already had it for this due date."""
    pid = loaded.problem_id
    inserted = await session.execute(
        pg_insert(deadline_notices).values(problem_id=pid, clock=clock.kind.value,
                                           clock_start=clock.start, due_on=due, overdue=overdue,
                                           staged_at=now)
        .on_conflict_do_nothing().returning(deadline_notices.c.problem_id))
    if inserted.first() is None:
        return False
    team = [m["officer_id"] for m in (loaded.meta.team if loaded.meta else ()) if
            m.get("officer_id")]
    officers = sorted({*team, *loaded.problem.responsible_ids()})
    await stage(session, DeadlineApproaching(
        problem_id=pid, clock=clock.kind.value, due_on=due, overdue=overdue,
        officer_ids=officers, at=now, estimated=estimated,
    ), SOURCE, event_id=_notice_id(pid, clock, due, overdue))
    return True


async def _sweep_problem(session: AsyncSession, ctx: LedgerContext, loaded: store.LoadedProblem,
                         now: datetime, report: SweepReport) -> None:
    cal, today, p = ctx.calendar, local_date(now), loaded.problem
    for clock in p.running_clocks():
        if clock.open_pause(today) is not None:
            continue
        due = clock.due(cal, as_of=today)
        if due is None or clock.start > today:
            continue
        estimated = clock.due_is_estimated(cal, as_of=today)
        if clock.is_overdue(cal, today):
            report.overdue += await _notice(session, loaded, clock, due, True, estimated, now)
        elif cal.working_days_between(today, due) <= ctx.warning_working_days:
            report.approaching += await _notice(session, loaded, clock, due, False, estimated,
                                                now)
    if escalate(p, policy=ctx.escalation, cal=cal, actor=SWEEPER, now=now):
        report.escalated += 1
        await store.commit_problem(session, loaded, command_id=store.new_command_id(),
                                   action="escalate")


async def sweep_once(sessions: async_sessionmaker[AsyncSession], ctx: LedgerContext,
                     now: datetime) -> SweepReport:
    """Every open problem once, in batches of `ctx.sweep_batch` (one transaction each)."""
    report = SweepReport()
    after = ""
    open_statuses = sorted(s.value for s in OPEN)
    while True:
        async with sessions() as session, session.begin():
            rows = (await session.execute(
                sa.select(problems).where(problems.c.status.in_(open_statuses),
                                          problems.c.id > after)
                .order_by(problems.c.id).limit(ctx.sweep_batch)
                .with_for_update(skip_locked=True))).all()
            if not rows:
                return report
            for row in rows:
                report.checked += 1
                try:
                    # One problem's failure must not stop the sweep for every problem after it
                    # (the next round would start over and stop at the same one).
                    async with session.begin_nested():
                        await _sweep_problem(session, ctx, store.loaded_from_row(row), now, report)
                except Exception as exc:
                    if is_infrastructure_error(exc):
                        raise
                    report.failed += 1
                    log.exception("clock sweep skipped a problem", extra={"problem_id": row.id})
            after = rows[-1].id


def sweep_job(sessions: async_sessionmaker[AsyncSession], ctx: LedgerContext,
              interval_seconds: float) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def clock_sweep(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                found = await sweep_once(sessions, ctx, ctx.now())
                if found.approaching or found.overdue or found.escalated or found.failed:
                    log.info("clock sweep", extra=vars(found))
            except Exception:
                log.exception("clock sweep failed; next round as usual")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_seconds)

    return clock_sweep
