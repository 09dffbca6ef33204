"""For reporters 举报人: progress by query code 查询码, and rating the result 满意度评价.

No token: the code is the credential. Lookups are rate-limited per client address and answer
an unknown code exactly like a malformed one, so the code space cannot be walked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake.entrypoints.context import IntakeContext, intake
from services.intake.service_layer import progress
from shared.http.errors import ApiError

router = APIRouter(tags=["reporters 举报人"])
QueryCode = Annotated[str, Path(max_length=64, description="查询码")]
NOT_FOUND = ApiError(404, "not_found", "no complaint for this query code")


class Rating(BaseModel):
    """满意度评价: a score of 1–5 and whether the problem was actually solved."""

    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5, strict=True)
    resolved: bool = Field(strict=True)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


def _throttle(request: Request, ctx: IntakeContext) -> None:
    client = request.client.host if request.client else "unknown"
    s = ctx.settings
    ctx.limiter.check(f"progress:{client}", s.progress_rate_per_second, s.progress_burst, "this address")


@router.get("/progress/{query_code}", summary="Progress of my complaint, by query code (凭查询码查询进度)")
async def progress_by_code(query_code: QueryCode, request: Request) -> dict[str, Any]:
    ctx = intake(request)
    _throttle(request, ctx)
    async with ctx.sessions() as session:
        found = await progress.by_query_code(session, query_code, ctx.protector.codes)
    if found is None:
        raise NOT_FOUND
    return found.view.as_dict()


@router.post(
    "/progress/{query_code}/rating",
    status_code=201,
    summary="Rate the result, by query code (满意度评价)",
    responses={409: {"description": "not closed yet, or already rated"}},
)
async def rate_by_code(query_code: QueryCode, rating: Rating, request: Request) -> JSONResponse:
    ctx = intake(request)
    _throttle(request, ctx)
    async with ctx.sessions() as session, session.begin():
        found = await progress.by_query_code(session, query_code, ctx.protector.codes, lock=True)
        if found is None:
            raise NOT_FOUND
        try:
            rating_id = await progress.rate(
                session, found, score=rating.score, resolved=rating.resolved, comment=rating.comment,
                now=datetime.now(UTC),
            )
        except progress.RatingRefused as exc:
            raise ApiError(409, exc.code, exc.message) from None
    return JSONResponse({"rating_id": rating_id, "status": "rated"}, status_code=201)
