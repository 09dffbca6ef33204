"""The path every accepting route shares: admit the caller, read the body within limits,
validate, prepare, hand to the group committer, turn the outcome into a response.

The accepting routes take only the `Request` and check the caller and the Idempotency-Key header
themselves, in the order FastAPI's dependencies would (authentication, scope, limits, then the
header), with the same errors: FastAPI's dependency resolution per request cost more CPU than
validating the complaint. `ACCEPT_OPENAPI` documents the header as a declared parameter would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import StringConstraints, TypeAdapter, ValidationError

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

IDEMPOTENCY_HEADER = "idempotency-key"
_KEY_DESCRIPTION = "幂等键: a retry with the same key returns the first result"
_KEY_CONSTRAINTS = {"min_length": 1, "max_length": 128, "pattern": r"^[\x21-\x7e]+$"}
_KEY = TypeAdapter(Annotated[str, StringConstraints(**_KEY_CONSTRAINTS)])
# As a declared parameter, for routes off the hot path (Open311).
IdempotencyKey = Annotated[str | None, Header(**_KEY_CONSTRAINTS, description=_KEY_DESCRIPTION)]
_KEY_SCHEMA = {"anyOf": [_KEY.json_schema(), {"type": "null"}], "description": _KEY_DESCRIPTION,
               "title": "Idempotency-Key"}
# What FastAPI generates for a declared optional header parameter and its validation error.
ACCEPT_OPENAPI: dict[str, Any] = {
    "parameters": [{"name": IDEMPOTENCY_HEADER, "in": "header", "required": False, "schema": _KEY_SCHEMA,
                    "description": _KEY_DESCRIPTION}],
}
VALIDATION_ERROR_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {"description": "Validation Error", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}},
}


def idempotency_key(request: Request) -> str | None:
    """The Idempotency-Key header, or None; a malformed one is a 422 naming the header."""
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    try:
        return _KEY.validate_python(value)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("header", IDEMPOTENCY_HEADER)} for err in exc.errors(include_url=False)]
        ) from None


async def admitted(
    request: Request, checks: Callable[[Request], Awaitable[Caller]]
) -> tuple[Caller, str | None]:
    """The caller (authenticated, in scope, within limits) and its Idempotency-Key."""
    caller = await checks(request)
    return caller, idempotency_key(request)


async def json_body(request: Request, caller: Caller) -> Any:
    raw = await read_body(request, caller.config.max_body_bytes)
    try:
        body = json.loads(raw)
        errors = unstorable(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the body is not JSON: {exc}") from None
    except RecursionError:  # nesting no complaint has, deep enough to exhaust the parser's stack
        raise ApiError(400, "bad_json", "the body nests too deeply") from None
    if errors:
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
