"""Rotation rosters (轮换名单): county–township pairing and cross-town zones, JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from services.pairing.entrypoints.http.deps import Ctx, Reader, Writer, reading, transaction
from services.pairing.entrypoints.http.schemas import RosterIn
from services.pairing.service_layer.rosters import RosterCommand, make_roster, roster_csv, roster_view

router = APIRouter(tags=["rosters 轮换名单"])
RosterId = Annotated[str, Path(pattern=r"^[0-9a-f\-]{36}$")]


@router.post("/rosters", status_code=201, summary="Draw the period's roster (生成轮换名单)")
async def post_roster(body: RosterIn, request: Request, ctx: Ctx, caller: Writer) -> dict[str, Any]:
    cmd = RosterCommand(kind=body.kind, county_code=body.county_code, period=body.period,
                        published_value=body.published_value, actor=caller.name)
    async with transaction(request) as session:
        return await make_roster(session, ctx, cmd)


# Before /rosters/{roster_id}: that pattern would claim "<id>.csv" and refuse it.
@router.get("/rosters/{roster_id}.csv", summary="The roster as CSV (导出)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def get_roster_csv(roster_id: RosterId, request: Request, _: Reader) -> Response:
    async with reading(request) as session:
        view = await roster_view(session, roster_id)
    filename = f"roster-{view['kind']}-{view['county_code']}-{view['period']}.csv"
    return Response(roster_csv(view), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/rosters/{roster_id}", summary="A roster")
async def get_roster(roster_id: RosterId, request: Request, _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await roster_view(session, roster_id)
