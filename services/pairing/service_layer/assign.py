"""Staff newly opened problems (增量派组): ProblemOpened → TeamAssigned or TeamUnstaffable.

Incremental mode of the engine: the problems opened together (a run of one consumer fetch: one
day, one problem per town), given the officers' open cases and recent history, solved exactly
as one batch (the same engine as a round, so an exact optimum for them all), or, with
`incremental_q` set, each drawn on its own with every chance capped at q and its event id as
the published value. The 提级 flag (`escalate_up`) makes a problem a county-level case.
Deterministic given its inputs: the same registry, history and events give the same teams. In
batch staffing the problems only wait for the period's round (POST /rounds).

A joint solve keeps what one-by-one staffing guarantees, or the problems are staffed one by one
in event order instead, as they arrived:
- it escalates no problem one by one would have staffed: a certificate naming more than one
  problem (they compete for the same few officers) sends them one by one; a certificate on one
  problem alone holds whatever the others take (it bounds the problem's own pool at the start),
  so it escalates that problem either way;
- it puts nobody on two problems of one town: one by one, the first team is history for the
  second, whose rotation rule (RECENT_SAME_TOWN) would exclude him; so a run of problems solved
  together has one problem per town (`runs`), and conflicts.same_town_twice checks the teams.
Otherwise the joint teams are the exact optimum for the problems together, as a round's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import problems
from services.pairing.domain.conflicts import same_town_twice
from services.pairing.domain.events import problem_from_opened
from services.pairing.domain.model import Category, Context, Problem
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.periods import china_day, round_of_day
from services.pairing.service_layer.recording import Cause, record_escalations, record_solve, record_teams
from services.pairing.service_layer.solving import Solved, SolveMode, solve
from services.pairing.service_layer.state import current_input, lock_staffing
from shared.events.catalog import ProblemOpened
from shared.events.envelope import Envelope

CATEGORIES = frozenset(c.value for c in Category)


@dataclass(frozen=True)
class Opened:
    """A problem the ledger opened, with the event that said so."""

    problem: Problem
    at: datetime
    envelope: Envelope

    @property
    def day(self) -> date:
        return china_day(self.at)


def problem_of(payload: ProblemOpened) -> Problem:
    data = payload.model_dump(mode="json")
    if data["category"] not in CATEGORIES:
        data["category"] = Category.OTHER.value  # a category pairing has no template for: plain team
    return problem_from_opened(data)


def opened_of(env: Envelope, payload: ProblemOpened) -> Opened:
    return Opened(problem_of(payload), payload.opened_at, env)


async def remember(session: AsyncSession, opened: Sequence[Opened], status: str) -> list[Opened]:
    """Record the problems in one statement; returns those not known already (a replay under
    another event id is known), in order."""
    first: dict[str, Opened] = {}
    for o in opened:
        first.setdefault(o.problem.id, o)
    if not first:
        return []
    rows = [{
        "id": p.id, "town_code": p.town_code, "village_code": p.village_code,
        "category": p.category.value, "subject_id": p.subject_id, "escalated": p.escalated,
        "priority": p.priority, "opened_at": o.at, "round": round_of_day(o.day), "status": status,
        "updated_at": o.at,
    } for o in first.values() for p in (o.problem,)]
    inserted = await session.execute(pg_insert(problems).values(rows)
                                     .on_conflict_do_nothing(index_elements=["id"]).returning(problems.c.id))
    new = {r.id for r in inserted}
    return [o for o in first.values() if o.problem.id in new]


def runs(opened: Sequence[Opened]) -> list[list[Opened]]:
    """Runs of consecutive problems to staff together: of one day (one round, one `as_of`), and
    no two in one town (one by one, the first team's town rotation would bind the second; a run
    starts at the problem whose town is in it already)."""
    out: list[list[Opened]] = []
    towns: set[str] = set()
    for o in opened:
        town = o.problem.town_code
        if out and out[-1][0].day == o.day and town not in towns:
            out[-1].append(o)
        else:
            out.append([o])
            towns = set()
        towns.add(town)
    return out


async def staff_opened(session: AsyncSession, ctx: PairingContext, opened: Sequence[Opened]) -> None:
    """Record newly opened problems and, in incremental staffing, staff the new ones."""
    if not opened:
        return
    await lock_staffing(session)
    new = await remember(session, opened, "pending")
    if ctx.settings.staffing == "incremental":
        for run in runs(new):
            await staff(session, ctx, run)


async def staff(session: AsyncSession, ctx: PairingContext, opened: Sequence[Opened]) -> None:
    """Staff new problems of one day (the caller holds the staffing lock)."""
    if ctx.incremental_q is not None or len(opened) == 1:
        for o in opened:
            await staff_one(session, ctx, o)
        return
    day = opened[0].day
    inp, registry = await current_input(session, ctx, [o.problem for o in opened],
                                        Context(as_of=day, round=round_of_day(day)))
    solved = await solve(ctx, "incremental", inp, registry, SolveMode(), ctx.incremental_policy)
    if any(len(e.certificate.problem_ids()) > 1 for e in solved.escalations) or (
            solved.assignment is not None and same_town_twice(solved.assignment.teams, inp.problems)):
        for o in opened:  # see the module docstring
            await staff_one(session, ctx, o)
        return
    await record(session, ctx, solved, opened)


async def staff_one(session: AsyncSession, ctx: PairingContext, opened: Opened) -> None:
    day = opened.day
    inp, registry = await current_input(session, ctx, [opened.problem],
                                        Context(as_of=day, round=round_of_day(day)))
    q, policy = ctx.incremental_q, ctx.incremental_policy
    mode = SolveMode(q, opened.envelope.id if q else None)
    solved = await solve(ctx, "incremental", inp, registry, mode, policy)
    if q is not None and solved.assignment is None:
        # Fewer than 1/q eligible officers: no draw can keep every chance under q. The exact
        # optimum is then the only conflict-free answer, or its certificate is the real one.
        solved = await solve(ctx, "incremental", inp, registry, SolveMode(), policy)
        solved.notes["randomised_infeasible_q"] = str(q)
    await record(session, ctx, solved, [opened])


async def record(session: AsyncSession, ctx: PairingContext, solved: Solved, opened: Sequence[Opened]
                 ) -> None:
    """The solve once, then each problem's team or escalation at its own time and in the trace
    of the event that opened it."""
    causes = {o.problem.id: Cause(o.at, o.envelope) for o in opened}
    at = max(o.at for o in opened)
    solve_id = await record_solve(session, solved, "incremental", at)
    if solved.assignment is not None:
        await record_teams(session, solve_id, solved, at, causes=causes, ctx=ctx)
    await record_escalations(session, solve_id, solved.escalations, at, causes=causes)
