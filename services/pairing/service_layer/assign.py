"""Staff a newly opened problem (增量派组): ProblemOpened → TeamAssigned or TeamUnstaffable.

Incremental mode of the engine: the one new problem, given the officers' open cases and recent
history, solved exactly (or, with `incremental_q` set, drawn with every chance capped at q and
the event id as the published value). The 提级 flag (`escalate_up`) makes it a county-level
case. Deterministic given its inputs: the same registry, history and event give the same team.
In batch staffing the problem only waits for the period's round (POST /rounds).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import problems
from services.pairing.domain.events import problem_from_opened
from services.pairing.domain.model import Category, Context, Problem
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.periods import china_day, round_of_day
from services.pairing.service_layer.recording import record_escalations, record_solve, record_teams
from services.pairing.service_layer.solving import SolveMode, solve
from services.pairing.service_layer.state import current_input, lock_staffing
from shared.events.catalog import Payload, ProblemOpened
from shared.events.envelope import Envelope

CATEGORIES = frozenset(c.value for c in Category)


def problem_of(payload: ProblemOpened) -> Problem:
    data = payload.model_dump(mode="json")
    if data["category"] not in CATEGORIES:
        data["category"] = Category.OTHER.value  # a category pairing has no template for: plain team
    return problem_from_opened(data)


async def remember(session: AsyncSession, problem: Problem, opened_at: datetime, status: str) -> bool:
    """Record the problem; False when it is known already (a replay under another event id)."""
    day = china_day(opened_at)
    inserted = await session.execute(pg_insert(problems).values(
        id=problem.id, town_code=problem.town_code, village_code=problem.village_code,
        category=problem.category.value, subject_id=problem.subject_id, escalated=problem.escalated,
        priority=problem.priority, opened_at=opened_at, round=round_of_day(day), status=status,
        updated_at=opened_at,
    ).on_conflict_do_nothing(index_elements=["id"]).returning(problems.c.id))
    return inserted.first() is not None


class ProblemOpenedHandler:
    def __init__(self, ctx: PairingContext) -> None:
        self.ctx = ctx

    async def __call__(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        assert isinstance(payload, ProblemOpened)
        problem = problem_of(payload)
        await lock_staffing(session)
        if not await remember(session, problem, payload.opened_at, "pending"):
            return
        if self.ctx.settings.staffing == "incremental":
            await staff_one(session, self.ctx, problem, payload.opened_at, env.id)


async def staff_one(session: AsyncSession, ctx: PairingContext, problem: Problem, at: datetime,
                    published_value: str) -> None:
    day = china_day(at)
    inp, registry = await current_input(session, ctx, [problem], Context(as_of=day, round=round_of_day(day)))
    q, policy = ctx.incremental_q, ctx.incremental_policy
    mode = SolveMode(q, published_value if q else None)
    solved = await solve(ctx, "incremental", inp, registry, mode, policy)
    if q is not None and solved.assignment is None:
        # Fewer than 1/q eligible officers: no draw can keep every chance under q. The exact
        # optimum is then the only conflict-free answer, or its certificate is the real one.
        solved = await solve(ctx, "incremental", inp, registry, SolveMode(), policy)
        solved.notes["randomised_infeasible_q"] = str(q)
    solve_id = await record_solve(session, solved, "incremental", at)
    if solved.assignment is not None:
        await record_teams(session, solve_id, solved, at)
    await record_escalations(session, solve_id, solved.escalations, at)
