"""Problems (问题台账): one with its clocks and timeline, lists, registration by the commission,
and the input events the ledger refused or holds back."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Path, Query, Request, Response

from services.ledger.adapters.tables import deferred_inputs, problems, rejected_inputs
from services.ledger.domain.enums import Category, Source
from services.ledger.domain.errors import Invalid
from services.ledger.service_layer import commands, queries
from services.ledger.service_layer.registration import NewProblem

from .deps import ID_PATTERN, Actor, Ctx, Reader, Writer, reading, transaction
from .schemas import RegisterIn

router = APIRouter(tags=["problems 问题台账"])
ProblemId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/problems/{problem_id}",
            summary="One problem with its clocks, plan, evidence, ratings and timeline (问题详情)")
async def get_problem(problem_id: ProblemId, request: Request, _: Reader, ctx: Ctx
                      ) -> dict[str, Any]:
    async with reading(request) as session:
        return await queries.problem_view(session, ctx.calendar, problem_id,
                                          queries.today_of(ctx.now()))


@router.get("/problems", summary="Problems, filtered by area, status, category or tag (问题清单)")
async def list_problems(
    request: Request,
    _: Reader,
    town_code: Annotated[str | None, Query(pattern=r"^[0-9]{9}$")] = None,
    county_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    status: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$")] = None,
    category: Category | None = None,
    tag: Annotated[str | None, Query(pattern=r"^[\w:.\-]{1,40}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    query = sa.select(problems).order_by(problems.c.registered_at, problems.c.id)
    if town_code:
        query = query.where(problems.c.town_code == town_code)
    if county_code:
        query = query.where(problems.c.county_code == county_code)
    if status:
        query = query.where(problems.c.status == status)
    if category:
        query = query.where(problems.c.category == category.value)
    if tag:
        query = query.where(problems.c.tags.contains([tag]))
    async with reading(request) as session:
        rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return {"items": [queries.row_view(r) for r in rows], "limit": limit, "offset": offset}


@router.post("/problems", status_code=201,
             summary="Register a problem the commission found itself (登记: 专项监督/巡察/入户访查)")
async def register_problem(
    body: RegisterIn, request: Request, response: Response, caller: Writer, actor: Actor,
    ctx: Ctx,
    idempotency_key: Annotated[str | None, Header(pattern=ID_PATTERN)] = None,
) -> dict[str, Any]:
    place = ctx.divisions.place(body.place_code)
    if place is None:
        raise Invalid("unknown_place", f"{body.place_code} is not an official division code")
    key = f"ledger:{caller.name}:{idempotency_key}" if idempotency_key else f"ledger:{uuid.uuid4()}"
    new = NewProblem(problem_key=key, title=body.title, category=body.category,
                     source=Source(body.source), place=place, actor=actor, now=ctx.now(),
                     level=body.level, concerns_own_leader=body.concerns_own_leader,
                     subject_name=body.subject_name, subject_unit=body.subject_unit)
    async with transaction(request) as session:
        loaded, created = await commands.register(session, ctx, new)
        if not created:
            response.status_code = 200
        return await queries.problem_view(session, ctx.calendar, loaded.problem_id,
                                          queries.today_of(ctx.now()))


@router.get("/inputs/rejected", tags=["operations 运维"],
            summary="Input events the ledger's rules refused (never retried)")
async def rejected(request: Request, _: Reader,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    async with reading(request) as session:
        rows = (await session.execute(sa.select(rejected_inputs)
                                      .order_by(rejected_inputs.c.id.desc()).limit(limit))).all()
    return {"items": [dict(r._mapping) for r in rows]}


@router.get("/inputs/deferred", tags=["operations 运维"],
            summary="Input events waiting for the problem or complaint they refer to")
async def deferred(request: Request, _: Reader,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    async with reading(request) as session:
        rows = (await session.execute(
            sa.select(deferred_inputs.c.id, deferred_inputs.c.waiting_for,
                      deferred_inputs.c.event_type, deferred_inputs.c.event_id,
                      deferred_inputs.c.time).order_by(deferred_inputs.c.id).limit(limit))).all()
    return {"items": [dict(r._mapping) for r in rows]}
