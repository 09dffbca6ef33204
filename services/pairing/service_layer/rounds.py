"""A round (批量派组): the engine over a period's open problems at once, exact or randomised.

The open problems are those the ledger opened up to the end of the period that have no team
yet (batch staffing keeps every new problem waiting for its round). With on_infeasible
"escalate" the problems of each certificate are escalated and the rest are staffed as an
instance of their own; with "reject" nothing is recorded and the certificates come back (409).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import problem_from_record
from services.pairing.adapters.tables import assignments, escalations, problems, rounds
from services.pairing.domain.model import Context
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.periods import china_day, round_of_period
from services.pairing.service_layer.recording import record_escalations, record_solve, record_teams
from services.pairing.service_layer.solving import SolveMode, solve
from services.pairing.service_layer.state import current_input, lock_staffing
from shared.http.errors import ApiError


@dataclass(frozen=True)
class RoundCommand:
    period: str
    q: Fraction | None
    published_value: str | None
    as_of: date | None
    on_infeasible: str
    actor: str


async def run_round(session: AsyncSession, ctx: PairingContext, cmd: RoundCommand) -> dict[str, Any]:
    await lock_staffing(session)
    index = round_of_period(cmd.period)
    rows = (await session.execute(
        sa.select(problems).where(problems.c.status == "pending", problems.c.round <= index)
        .order_by(problems.c.id))).mappings().all()
    if not rows:
        raise ApiError(409, "no_open_problems", f"no problem waits for a team in or before {cmd.period}")
    batch = [problem_from_record(r) for r in rows]
    as_of = cmd.as_of or china_day(ctx.now())
    inp, registry = await current_input(session, ctx, batch, Context(as_of=as_of, round=index))
    solved = await solve(ctx, "round", inp, registry, SolveMode(cmd.q, cmd.published_value), ctx.policy)
    if solved.escalations and cmd.on_infeasible == "reject":
        certificates = {e.certificate.summary: e.certificate.as_dict() for e in solved.escalations}
        raise ApiError(409, "round_infeasible",
                       f"{len(solved.escalations)} problems cannot be staffed conflict-free; "
                       "nothing was assigned", details=list(certificates.values()))
    now = ctx.now()
    round_id = str(uuid.uuid4())
    solve_id = await record_solve(session, solved, "round", now, round_id)
    assigned = await record_teams(session, solve_id, solved, now, round_id) if solved.assignment else []
    escalated = await record_escalations(session, solve_id, solved.escalations, now)
    a = solved.assignment
    summary = {
        "problems": len(batch), "assigned": len(assigned), "escalated": len(escalated),
        "seed": a.seed if a else None, "total_cost": a.total_cost if a else None,
        "expected_cost": str(a.expected_cost) if a and a.expected_cost is not None else None,
        "solve_seconds": round(solved.seconds, 4), "solve_id": solve_id,
    }
    await session.execute(rounds.insert().values(
        id=round_id, period=cmd.period, round=index, as_of=as_of, mode=solved.mode.name,
        q=str(cmd.q) if cmd.q is not None else None, published_value=cmd.published_value,
        on_infeasible=cmd.on_infeasible, solve_id=solve_id, problem_ids=[p.id for p in batch],
        summary=summary, actor=cmd.actor, at=now))
    return await round_view(session, round_id)


async def round_view(session: AsyncSession, round_id: str) -> dict[str, Any]:
    row = (await session.execute(sa.select(rounds).where(rounds.c.id == round_id))).mappings().first()
    if row is None:
        raise ApiError(404, "round_not_found", f"no round {round_id}")
    teams = (await session.execute(
        sa.select(assignments.c.id, assignments.c.problem_id, assignments.c.members, assignments.c.active)
        .where(assignments.c.round_id == round_id).order_by(assignments.c.problem_id))).mappings().all()
    escalated = (await session.execute(
        sa.select(escalations.c.id.label("escalation_id"), escalations.c.problem_id, escalations.c.summary,
                  escalations.c.certificate)
        .where(escalations.c.solve_id == row["solve_id"]).order_by(escalations.c.problem_id)
    )).mappings().all()
    return {
        "round_id": row["id"], "period": row["period"], "round": row["round"],
        "as_of": row["as_of"].isoformat(), "mode": row["mode"], "q": row["q"],
        "published_value": row["published_value"], "on_infeasible": row["on_infeasible"],
        "actor": row["actor"], "at": row["at"].isoformat(), **row["summary"],
        "assignments": [
            {"assignment_id": t["id"], "problem_id": t["problem_id"], "active": t["active"],
             "members": [{k: m[k] for k in ("officer_id", "role", "town_code", "probability")}
                         for m in t["members"]]}
            for t in teams
        ],
        "escalations": [dict(e) for e in escalated],
    }
