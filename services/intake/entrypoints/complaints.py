"""Complaints 信访举报: the canonical submission and a calling system's progress query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.domain.complaint import ComplaintIn
from services.intake.domain.errors import IntakeRejected
from services.intake.domain.validation import validate_complaint
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
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import gate
from services.intake.service_layer import progress
from shared.http.auth import Caller
from shared.http.errors import ApiError

router = APIRouter(tags=["complaints 信访举报"])
WRITER = gate("complaints:write")
Reader = Annotated[Caller, Depends(gate("complaints:read"))]


class ComplaintAccepted(BaseModel):
    complaint_id: str
    problem_key: str
    status: str
    query_code: str | None = None  # 查询码, once, for an anonymous reporter


class TimelineItem(BaseModel):
    at: str
    stage: str
    note: str | None = None


class ComplaintProgress(BaseModel):
    complaint_id: str
    channel: str
    category: str
    received_at: datetime
    status: str  # open / closed
    stage: str
    timeline: list[TimelineItem]


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintAccepted,
    summary="Submit a complaint in the canonical shape (提交投诉举报)",
    openapi_extra=openapi.json_body(ComplaintIn) | ACCEPT_OPENAPI,
    responses={200: {"model": ComplaintAccepted, "description": "A retry: the complaint accepted earlier"},
               **VALIDATION_ERROR_RESPONSE},
)
async def submit_complaint(request: Request) -> JSONResponse:
    caller, idempotency_key = await admitted(request, WRITER)
    body = await json_body(request, caller)
    try:
        complaint = validate_complaint(body, intake(request).registry, now=datetime.now(UTC))
    except IntakeRejected as exc:
        raise rejected(exc) from None
    stored = await accept(request, caller, [complaint], body=body, idempotency_key=idempotency_key)
    return accepted_response(stored, complaint_body(stored.complaints[0]))


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintProgress,
    summary="A complaint's progress, for the system that submitted it (办理进度)",
)
async def get_complaint(complaint_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    async with intake(request).sessions() as session:
        found = await progress.by_complaint_id(session, complaint_id)
    if found is None or (found.complaint.caller != caller.name and not caller.may("*")):
        raise ApiError(404, "complaint_not_found", f"no complaint {complaint_id} for this caller")
    view = found.view.as_dict()
    c = found.complaint
    return {"complaint_id": c.id, "channel": c.channel, "category": c.category,
            "received_at": c.received_at, "status": view["status"], "stage": view["stage"],
            "timeline": view["timeline"]}
