"""类案促改: class-of-case items of a county, their members and their own lifecycle
(已立项 → 制度措施已出台 → 已检视 → 已完结; a failed review goes back to 已立项)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request

from services.ledger.adapters.tables import class_cases, journal
from services.ledger.domain.class_of_case import AnyClassOfCaseEvent, ClassOfCase
from services.ledger.service_layer import class_cases as use_cases
from services.ledger.service_layer import queries, store

from .deps import Actor, Ctx, Reader, reading, transaction
from .schemas import AdoptMeasureIn, ClassReviewIn, DetectIn, NoteIn

router = APIRouter(prefix="/class-cases", tags=["class of case 类案促改"])
CaseId = Annotated[str, Path(pattern=r"^class:[0-9]{6}:[a-z0-9_-]{1,40}:[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
FIELDS = ("id", "rule_id", "county_code", "label", "category", "status", "period_start",
          "period_end", "members", "village_count", "town_count", "opened_at", "updated_at",
          "version")


async def _view(session: Any, case_id: str) -> dict[str, Any]:
    row = (await session.execute(sa.select(class_cases).where(class_cases.c.id == case_id))
           ).first()
    if row is None:
        raise store.NotFound("class_case_not_found", f"no class-of-case item {case_id}")
    history = (await session.execute(
        sa.select(journal.c.seq, journal.c.action, journal.c.actor, journal.c.at,
                  journal.c.record_type).where(journal.c.aggregate_id == case_id)
        .order_by(journal.c.seq))).all()
    return {**{k: getattr(row, k) for k in FIELDS},
            "measure": row.state.get("measure"), "reviews_failed": row.state["reviews_failed"],
            "timeline": [dict(h._mapping) for h in history]}


@router.get("", summary="Class-of-case items of a county")
async def list_cases(request: Request, _: Reader,
                     county_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
                     status: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$")] = None,
                     ) -> dict[str, Any]:
    query = sa.select(*[class_cases.c[k] for k in FIELDS]).order_by(class_cases.c.opened_at)
    if county_code:
        query = query.where(class_cases.c.county_code == county_code)
    if status:
        query = query.where(class_cases.c.status == status)
    async with reading(request) as session:
        rows = (await session.execute(query)).all()
    return {"items": [dict(r._mapping) for r in rows]}


@router.get("/{case_id}", summary="One class-of-case item with its members and history")
async def get_case(case_id: CaseId, request: Request, _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await _view(session, case_id)


@router.post("/detect", summary="Check the class-of-case rules for a county now")
async def detect(body: DetectIn, request: Request, _: Actor, ctx: Ctx) -> dict[str, Any]:
    now = ctx.now()
    day = body.on or queries.today_of(now)
    async with transaction(request) as session:
        touched = await use_cases.detect(session, ctx, body.county_code, day, now,
                                         store.new_command_id())
    return {"county_code": body.county_code, "on": day, "opened_or_extended": touched}


async def _run(request: Request, case_id: str, action: str, command: Any) -> dict[str, Any]:
    async with transaction(request) as session:
        await use_cases.run_command(session, case_id, action, store.new_command_id(), command)
        return await _view(session, case_id)


@router.post("/{case_id}/adopt-measure", summary="制度措施出台 (e.g. a checklist adopted)")
async def adopt_measure(case_id: CaseId, body: AdoptMeasureIn, request: Request, actor: Actor,
                        ctx: Ctx) -> dict[str, Any]:
    def command(case: ClassOfCase) -> list[AnyClassOfCaseEvent]:
        return case.adopt_measure(title=body.title, document_ref=body.document_ref, actor=actor,
                                  now=ctx.now())

    return await _run(request, case_id, "adopt_measure", command)


@router.post("/{case_id}/review", summary="检视: passed, or back to 已立项 for a better measure")
async def review(case_id: CaseId, body: ClassReviewIn, request: Request, actor: Actor, ctx: Ctx
                 ) -> dict[str, Any]:
    def command(case: ClassOfCase) -> list[AnyClassOfCaseEvent]:
        return case.review(passed=body.passed, actor=actor, now=ctx.now(), note=body.note)

    return await _run(request, case_id, "review", command)


@router.post("/{case_id}/close", summary="完结")
async def close(case_id: CaseId, body: NoteIn, request: Request, actor: Actor, ctx: Ctx
                ) -> dict[str, Any]:
    def command(case: ClassOfCase) -> list[AnyClassOfCaseEvent]:
        return case.close(actor=actor, now=ctx.now(), note=body.note)

    return await _run(request, case_id, "close", command)
