"""Rounds (批量派组): a period's open problems staffed at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from services.pairing.entrypoints.http.deps import Ctx, Reader, Writer, reading, transaction
from services.pairing.entrypoints.http.schemas import RoundIn
from services.pairing.service_layer.rounds import RoundCommand, round_view, run_round

router = APIRouter(tags=["rounds 批量派组"])


@router.post("/rounds", status_code=201, summary="Staff the period's open problems (批量派组)")
async def post_round(body: RoundIn, request: Request, ctx: Ctx, caller: Writer) -> dict[str, Any]:
    cmd = RoundCommand(period=body.period, q=body.cap, published_value=body.published_value,
                       as_of=body.as_of, on_infeasible=body.on_infeasible, actor=caller.name)
    async with transaction(request) as session:
        return await run_round(session, ctx, cmd)


@router.get("/rounds/{round_id}", summary="A round with its teams and escalations")
async def get_round(round_id: Annotated[str, Path(pattern=r"^[0-9a-f\-]{36}$")], request: Request,
                    _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await round_view(session, round_id)
