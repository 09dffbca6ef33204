"""Assignments (交办): the teams of a problem explained, why not an officer, recusals (事后回避)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from services.pairing.domain.model import RelationKind, TargetKind
from services.pairing.entrypoints.http.deps import ID_PATTERN, Ctx, Reader, Recuser, reading, transaction
from services.pairing.entrypoints.http.schemas import RecusalIn
from services.pairing.service_layer.explanations import problem_assignments, why_not_officer
from services.pairing.service_layer.recusals import RecusalCommand, recuse

router = APIRouter(tags=["assignments 交办"])
ProblemId = Annotated[str, Path(pattern=ID_PATTERN)]
OfficerId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/assignments/{problem_id}",
            summary="The teams of a problem with their explanation (派组说明)")
async def get_assignment(problem_id: ProblemId, request: Request, _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await problem_assignments(session, problem_id)


@router.get("/assignments/{problem_id}/why-not/{officer_id}",
            summary="Why an officer is not on the team (为何未选)")
async def why_not(problem_id: ProblemId, officer_id: OfficerId, request: Request, ctx: Ctx,
                  _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await why_not_officer(session, ctx, problem_id, officer_id)


@router.post("/assignments/{problem_id}/recusals", status_code=201,
             summary="A member declares a conflict and is replaced (事后回避)")
async def post_recusal(problem_id: ProblemId, body: RecusalIn, request: Request, ctx: Ctx,
                       caller: Recuser) -> dict[str, Any]:
    cmd = RecusalCommand(
        problem_id=problem_id, officer_id=body.officer_id, relation=RelationKind(body.relation),
        target_kind=TargetKind(body.target_kind) if body.target_kind else None, target=body.target,
        reason=body.reason, actor=caller.name)
    async with transaction(request) as session:
        return await recuse(session, ctx, cmd)
