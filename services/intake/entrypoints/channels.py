"""Native channels 受理渠道: each system sends its own record; household-visit logs 走访日志."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.domain.channels import MAPPINGS, VisitLog, accept_native, accept_visit_log
from services.intake.domain.errors import IntakeRejected
from services.intake.domain.vocabulary import Channel
from services.intake.entrypoints import openapi
from services.intake.entrypoints.accepting import (
    ACCEPT_OPENAPI,
    VALIDATION_ERROR_RESPONSE,
    accept,
    accepted_response,
    admitted,
    complaint_body,
    json_body,
    rejected,
)
from services.intake.entrypoints.complaints import ComplaintAccepted
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import gate

router = APIRouter(tags=["channels 受理渠道"])
WRITER = gate("complaints:write")
VISIT_WRITER = gate("visits:write")
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
    openapi_extra=openapi.json_body(*(m.native for m in MAPPINGS.values())) | ACCEPT_OPENAPI,
    responses={200: {"model": ComplaintAccepted, "description": "A retry: the complaint accepted earlier"}},
)
async def submit_native(
    request: Request,
    channel: Annotated[NativeChannel, Path(description="受理渠道")],
) -> JSONResponse:
    caller, idempotency_key = await admitted(request, WRITER)
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
    openapi_extra=openapi.json_body(VisitLog) | ACCEPT_OPENAPI,
    responses={200: {"model": VisitAccepted, "description": "A retry: the log accepted earlier"},
               **VALIDATION_ERROR_RESPONSE},
)
async def log_visit(request: Request) -> JSONResponse:
    caller, idempotency_key = await admitted(request, VISIT_WRITER)
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
