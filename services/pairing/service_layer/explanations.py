"""Explanations for auditors (派组说明): the teams of a problem with their stored explanation,
and "why not officer X" answered by the domain on the exact input the team was chosen from."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import assignments, escalations, officers, problems, recusals
from services.pairing.domain.explain import why_not
from services.pairing.domain.result import frac_str
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.solves import current_assignment_row, load_solve
from shared.http.errors import ApiError

ASSIGNMENT_FIELDS = ("id", "problem_id", "town_code", "members", "mode", "seed", "q", "explanation",
                     "active", "replaces_assignment_id", "round_id", "solve_id", "at")


def assignment_view(row: sa.RowMapping) -> dict[str, Any]:
    out = {k: row[k] for k in ASSIGNMENT_FIELDS}
    out["assignment_id"] = out.pop("id")
    out["at"] = row["at"].isoformat()
    return out


async def problem_assignments(session: AsyncSession, problem_id: str) -> dict[str, Any]:
    status = await session.scalar(sa.select(problems.c.status).where(problems.c.id == problem_id))
    rows = (await session.execute(sa.select(assignments).where(assignments.c.problem_id == problem_id)
                                  .order_by(assignments.c.at, assignments.c.id))).mappings().all()
    escalated = (await session.execute(
        sa.select(escalations).where(escalations.c.problem_id == problem_id)
        .order_by(escalations.c.at, escalations.c.id))).mappings().all()
    recused = (await session.execute(
        sa.select(recusals).where(recusals.c.problem_id == problem_id)
        .order_by(recusals.c.at, recusals.c.id))).mappings().all()
    if status is None and not rows:
        raise ApiError(404, "assignment_not_found", f"no assignment for problem {problem_id}")
    return {
        "problem_id": problem_id,
        "status": status,
        "items": [assignment_view(r) for r in rows],
        "escalations": [{"escalation_id": e["id"], "cause": e["cause"], "summary": e["summary"],
                         "certificate": e["certificate"], "solve_id": e["solve_id"],
                         "at": e["at"].isoformat()} for e in escalated],
        "recusals": [{"recusal_id": r["id"], "officer_id": r["officer_id"], "relation": r["relation"],
                      "reason": r["reason"], "role": r["role"], "pool_size": r["pool_size"],
                      "replacement_officer_id": r["replacement_officer_id"],
                      "new_assignment_id": r["new_assignment_id"], "escalation_id": r["escalation_id"],
                      "actor": r["actor"], "at": r["at"].isoformat()} for r in recused],
    }


async def why_not_officer(session: AsyncSession, ctx: PairingContext, problem_id: str,
                          officer_id: str) -> dict[str, Any]:
    row = await current_assignment_row(session, problem_id)
    stored = await load_solve(session, ctx, row["solve_id"])
    base = {"officer_id": officer_id, "problem_id": problem_id, "assignment_id": row["id"],
            "solve_id": row["solve_id"]}
    if officer_id not in {o.id for o in stored.inp.officers}:
        registered = await session.scalar(sa.select(officers.c.id).where(officers.c.id == officer_id))
        if registered is None:
            raise ApiError(404, "officer_not_found", f"no officer {officer_id}")
        # Registered after the team was chosen: the engine never saw the officer.
        return {**base, "status": "not_registered", "reasons": [], "swaps": []}
    assert stored.assignment is not None
    answer = await asyncio.to_thread(why_not, stored.assignment, stored.inp, stored.policy,
                                     officer_id, problem_id)
    return {
        **base,
        "status": answer.status,
        "reasons": [r.value for r in answer.reasons],
        "role": answer.role.value if answer.role else None,
        "load": answer.load,
        "capacity": answer.capacity,
        "swaps": [{"role": s.role.value, "replaces": s.replaces, "delta": s.delta,
                   "tie_break_delta": s.tie_break_delta} for s in answer.swaps],
        "delta": answer.delta,
        "probability": frac_str(answer.probability),
    }
