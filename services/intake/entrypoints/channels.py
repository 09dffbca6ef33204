"""Native channels 受理渠道: each system sends its own record; household-visit logs 走访日志."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.domain.channels import MAPPINGS, VisitLog, accept_native, accept_visit_log
from services.intake.domain.errors import IntakeRejected
from services.intake.domain.vocabulary import Channel
from services.intake.entrypoints import openapi
from services.intake.entrypoints.accepting import (
    IdempotencyKey,
    accept,
    accepted_response,
    complaint_body,
    json_body,
    rejected,
)
from services.intake.entrypoints.complaints import ComplaintAccepted
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import gate
from shared.http.auth import Caller

router = APIRouter(tags=["channels 受理渠道"])
Writer = Annotated[Caller, Depends(gate("complaints:write"))]
VisitWriter = Annotated[Caller, Depends(gate("visits:write"))]
NativeChannel = Literal["hotline_12345", "petition", "online", "inspection"]


class VisitAccepted(BaseModel):
    visit_id: str
    status: str
    complaints: list[ComplaintAccepted]


@router.post(
    "/channels/{channel}",
    status_code=201,
    response_model=ComplaintAccepted,
    summary="Submit a channel's native record: 12345 work order, petition, online form, inspection "
            "finding (12345工单、信访件、网上举报、巡察移交)",
    openapi_extra=openapi.json_body(*(m.native for m in MAPPINGS.values())),
    responses={200: {"model": ComplaintAccepted, "description": "A retry: the complaint accepted earlier"}},
)
async def submit_native(
    request: Request,
    caller: Writer,
    channel: Annotated[NativeChannel, Path(description="受理渠道")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    body = await json_body(request, caller)
    try:
        accepted = accept_native(Channel(channel), body, intake(request).registry, now=datetime.now(UTC))
    except IntakeRejected as exc:
        raise rejected(exc) from None
    stored = await accept(request, caller, accepted.complaints, body=body, idempotency_key=idempotency_key)
    return accepted_response(stored, complaint_body(stored.complaints[0]))


@router.post(
    "/visits",
    status_code=201,
    response_model=VisitAccepted,
    tags=["visits 入户访查"],
    summary="Log a household visit and the problems it found (走访日志)",
    openapi_extra=openapi.json_body(VisitLog),
    responses={200: {"model": VisitAccepted, "description": "A retry: the log accepted earlier"}},
)
async def log_visit(
    request: Request, caller: VisitWriter, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    body = await json_body(request, caller)
    try:
        accepted = accept_visit_log(body, intake(request).registry, now=datetime.now(UTC))
    except IntakeRejected as exc:
        raise rejected(exc) from None
    stored = await accept(request, caller, accepted.complaints, body=body,
                          idempotency_key=idempotency_key, visit=accepted.visit)
    return accepted_response(stored, {
        "visit_id": stored.visit_id, "status": "received",
        "complaints": [complaint_body(c) for c in stored.complaints],
    })
