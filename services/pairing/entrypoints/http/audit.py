"""Audit (复核): re-derive a recorded team's exclusions and checks, or an escalation's proof."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from services.pairing.entrypoints.http.deps import Ctx, Reader, reading
from services.pairing.service_layer.audits import audit_assignment, audit_escalation

router = APIRouter(tags=["audit 复核"])
Uuid = Annotated[str, Path(pattern=r"^[0-9a-f\-]{36}$")]


@router.get("/audit/assignments/{assignment_id}",
            summary="Re-derive an assignment's exclusions and rules independently (复核派组)")
async def audit_one(assignment_id: Uuid, request: Request, ctx: Ctx, _: Reader,
                    replay: Annotated[bool, Query(description="re-run the solve and compare bytes")] = False,
                    ) -> dict[str, Any]:
    async with reading(request) as session:
        return await audit_assignment(session, ctx, assignment_id, replay)


@router.get("/audit/escalations/{escalation_id}",
            summary="Check an escalation's certificate independently (复核无法回避证明)")
async def audit_certificate(escalation_id: Uuid, request: Request, ctx: Ctx, _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return await audit_escalation(session, ctx, escalation_id)
