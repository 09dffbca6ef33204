"""Intake HTTP API (受理): complaints from every channel."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel

from services.intake.adapters.tables import ComplaintRow
from services.intake.domain.complaint import ComplaintIn
from services.intake.domain.errors import IntakeRejected
from services.intake.domain.validation import validate_complaint
from services.intake.service_layer.accept import IdempotencyConflict, accept
from shared.http.auth import Caller, require
from shared.http.errors import ApiError

router = APIRouter(tags=["complaints 信访举报"])
Writer = Annotated[Caller, Depends(require("complaints:write"))]
Reader = Annotated[Caller, Depends(require("complaints:read"))]
complaints = ComplaintRow.__table__  # type: ignore[attr-defined]


class ComplaintAccepted(BaseModel):
    complaint_id: str
    problem_key: str
    status: str
    query_code: str | None = None


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the body is not JSON: {exc}") from exc


def rejected(exc: IntakeRejected) -> ApiError:
    return ApiError(422, "validation_failed", "the complaint is not valid", exc.as_body())


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintAccepted,
    summary="Submit a complaint (提交投诉举报)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": ComplaintIn.model_json_schema(ref_template="#/components/schemas/{model}")}}}},
    responses={200: {"model": ComplaintAccepted, "description": "A retry: the complaint accepted earlier"}},
)
async def submit_complaint(
    request: Request,
    response: Response,
    caller: Writer,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> ComplaintAccepted:
    body = await json_body(request)
    try:
        complaint = validate_complaint(body, request.app.state.divisions, now=datetime.now(UTC))
    except IntakeRejected as exc:
        raise rejected(exc) from exc
    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    try:
        async with request.app.state.runtime.sessions() as session, session.begin():
            result = await accept(session, complaint, caller.name, idempotency_key, fingerprint)
    except IdempotencyConflict as exc:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was used with a different body") from exc
    if not result.created:
        response.status_code = 200
    return ComplaintAccepted(complaint_id=result.complaint_id, problem_key=result.problem_key,
                             status="received", query_code=result.query_code)


@router.get("/complaints/{complaint_id}", summary="A complaint's status (办理进度)")
async def get_complaint(complaint_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        row = (await session.execute(sa.select(complaints).where(complaints.c.id == complaint_id))).first()
    if row is None or (row.caller != caller.name and not caller.may("*")):
        raise ApiError(404, "complaint_not_found", f"no complaint {complaint_id} for this caller")
    return {"complaint_id": row.id, "problem_key": row.problem_key, "channel": row.channel,
            "category": row.category, "received_at": row.received_at}
