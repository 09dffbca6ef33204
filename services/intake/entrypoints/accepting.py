"""The path every accepting route shares: read the body within limits, validate, prepare,
hand to the group committer, turn the outcome into a response."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse

from services.intake.domain.channels import VisitRecord
from services.intake.domain.complaint import Complaint
from services.intake.domain.errors import IntakeRejected
from services.intake.domain.idempotency import payload_fingerprint
from services.intake.domain.storable import unstorable
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import read_body
from services.intake.service_layer.submission import Refused, Stored, StoredComplaint, prepare
from shared.http.auth import Caller
from shared.http.errors import ApiError

log = logging.getLogger(__name__)

IdempotencyKey = Annotated[
    str | None,
    Header(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
           description="幂等键: a retry with the same key returns the first result"),
]


async def json_body(request: Request, caller: Caller) -> Any:
    raw = await read_body(request, caller.config.max_body_bytes)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the body is not JSON: {exc}") from None
    if errors := unstorable(body):
        raise rejected(IntakeRejected(errors))
    return body


def rejected(exc: IntakeRejected) -> ApiError:
    return ApiError(422, "validation_failed", "the submission is not valid", exc.as_body())


def refused(outcome: Refused) -> ApiError:
    headers = {"Retry-After": "1"} if outcome.status == 503 else None
    return ApiError(outcome.status, outcome.code, outcome.message, headers=headers)


async def accept(
    request: Request,
    caller: Caller,
    complaints: Sequence[Complaint],
    *,
    body: Any,
    idempotency_key: str | None,
    visit: VisitRecord | None = None,
) -> Stored:
    """Store once and return the outcome; ApiError for a refusal (reused key, database down)."""
    ctx = intake(request)
    fingerprint = payload_fingerprint({"path": request.url.path, "body": body}) if idempotency_key else None
    submission = prepare(caller.name, complaints, ctx.protector, visit=visit,
                         idempotency_key=idempotency_key, fingerprint=fingerprint)
    outcome = await ctx.committer.submit(submission)
    if isinstance(outcome, Refused):
        raise refused(outcome)
    # Ids and codes only: what was accepted, never who reported it or what they wrote.
    log.info("submission accepted", extra={
        "caller": caller.name, "is_new": outcome.created, "visit_id": outcome.visit_id,
        "complaint_ids": [c.complaint_id for c in outcome.complaints],
        "channels": sorted({c.channel.value for c in complaints}),
    })
    return outcome


def complaint_body(c: StoredComplaint) -> dict[str, Any]:
    return {"complaint_id": c.complaint_id, "problem_key": c.problem_key, "status": "received",
            "query_code": c.query_code}


def accepted_response(stored: Stored, body: dict[str, Any]) -> JSONResponse:
    """201 when this request created it, 200 when it repeats an earlier one."""
    return JSONResponse(body, status_code=201 if stored.created else 200)
