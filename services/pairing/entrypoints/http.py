"""Pairing HTTP API: the officer registry (干部库) and assignments (交办)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.pairing.adapters.tables import AssignmentRow, OfficerRow
from shared.http.auth import Caller, require
from shared.http.errors import ApiError

router = APIRouter(tags=["pairing 跨镇协作"])
Reader = Annotated[Caller, Depends(require("pairing:read"))]
Writer = Annotated[Caller, Depends(require("pairing:write"))]
officers = OfficerRow.__table__  # type: ignore[attr-defined]
assignments = AssignmentRow.__table__  # type: ignore[attr-defined]


class OfficerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field(pattern="^(county_dept|dispatched_group|township|village_supervisor)$")
    unit: str = Field(min_length=1, max_length=128)
    county_code: str = Field(pattern=r"^\d{6}$")
    town_code: str | None = Field(default=None, pattern=r"^\d{9}$")
    native_village_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    skills: list[str] = Field(default_factory=list, max_length=16)
    capacity: int = Field(default=5, ge=0, le=100)
    available: bool = True


@router.put("/officers/{officer_id}", summary="Register or update an officer (登记干部)")
async def put_officer(officer_id: str, body: OfficerIn, request: Request, _: Writer) -> dict[str, Any]:
    if body.id != officer_id:
        raise ApiError(422, "id_mismatch", "the path id and the body id differ")
    values = body.model_dump()
    async with request.app.state.runtime.sessions() as session, session.begin():
        stmt = pg_insert(officers).values(**values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
    return values


@router.get("/officers", summary="The officer registry")
async def list_officers(request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        rows = (await session.execute(sa.select(officers).order_by(officers.c.id))).all()
    return {"items": [dict(r._mapping) for r in rows]}


@router.get("/assignments/{problem_id}", summary="The team assigned to a problem, with its explanation")
async def get_assignment(problem_id: str, request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        rows = (await session.execute(
            sa.select(assignments).where(assignments.c.problem_id == problem_id).order_by(assignments.c.at)
        )).all()
    if not rows:
        raise ApiError(404, "assignment_not_found", f"no assignment for problem {problem_id}")
    return {"items": [dict(r._mapping) for r in rows]}
