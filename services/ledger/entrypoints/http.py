"""Ledger HTTP API (问题台账): read problems and their timelines."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request

from services.ledger.adapters.tables import ProblemEventRow, ProblemRow
from shared.http.auth import Caller, require
from shared.http.errors import ApiError

router = APIRouter(prefix="/problems", tags=["problems 问题台账"])
Reader = Annotated[Caller, Depends(require("ledger:read"))]
problems = ProblemRow.__table__  # type: ignore[attr-defined]
timeline = ProblemEventRow.__table__  # type: ignore[attr-defined]


@router.get("/{problem_id}", summary="One problem with its timeline (问题详情)")
async def get_problem(problem_id: str, request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        row = (await session.execute(sa.select(problems).where(problems.c.id == problem_id))).first()
        if row is None:
            raise ApiError(404, "problem_not_found", f"no problem {problem_id}")
        events = (await session.execute(
            sa.select(timeline).where(timeline.c.problem_id == problem_id).order_by(timeline.c.id)
        )).all()
    out = dict(row._mapping)
    out["timeline"] = [
        {k: v for k, v in e._mapping.items() if k not in ("id", "problem_id")} for e in events
    ]
    return out


@router.get("", summary="Problems, filtered by town or county (一镇一清单)")
async def list_problems(
    request: Request,
    _: Reader,
    town_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    county_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    query = sa.select(problems).order_by(problems.c.opened_at, problems.c.id)
    if town_code:
        query = query.where(problems.c.town_code == town_code)
    if county_code:
        query = query.where(problems.c.county_code == county_code)
    if status:
        query = query.where(problems.c.status == status)
    async with request.app.state.runtime.sessions() as session:
        rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return {"items": [dict(r._mapping) for r in rows], "limit": limit, "offset": offset}
