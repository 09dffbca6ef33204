"""Bulk import 批量导入 over HTTP: upload a JSONL or CSV file, optionally as a dry run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.intake.domain.bulk import CSV_COLUMNS, BulkFileError
from services.intake.domain.vocabulary import Channel
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import gate, read_body
from services.intake.service_layer.bulk import import_rows, parse_file
from shared.http.auth import Caller
from shared.http.errors import ApiError

router = APIRouter(tags=["imports 批量导入"])
Importer = Annotated[Caller, Depends(gate("complaints:write"))]
_BY_CONTENT_TYPE = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
                    "application/x-jsonlines": "jsonl"}


def _format(request: Request, given: str | None) -> str:
    if given:
        return given
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    found = _BY_CONTENT_TYPE.get(media)
    if found is None:
        raise ApiError(415, "unsupported_media_type",
                       "send text/csv or application/x-ndjson, or name the format with ?format=")
    return found


@router.post(
    "/imports",
    summary="Import complaints from a JSONL or CSV file (批量导入); ?dry_run=true stores nothing",
    description="CSV columns: " + "; ".join(f"`{k}` {v}" for k, v in CSV_COLUMNS.items()),
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}},
    }}},
)
async def import_file(
    request: Request,
    caller: Importer,
    dry_run: bool = False,
    format: Annotated[Literal["jsonl", "csv"] | None, Query(description="文件格式")] = None,
    channel: Annotated[Channel | None, Query(description="JSONL 行为该渠道的原生格式")] = None,
) -> JSONResponse:
    ctx = intake(request)
    fmt = _format(request, format)
    if channel is not None and fmt == "csv":
        raise ApiError(422, "validation_failed", "channel applies to JSONL files only",
                       [{"field": "channel", "code": "invalid", "message": "CSV rows are canonical"}])
    raw = await read_body(request, caller.config.max_body_bytes)
    try:
        rows = parse_file(raw, fmt, ctx.registry, now=datetime.now(UTC), channel=channel)
        report = await import_rows(
            rows, caller=caller.name, protector=ctx.protector, committer=ctx.committer,
            engine=ctx.engine, dry_run=dry_run, chunk=ctx.settings.import_chunk_rows,
        )
    except BulkFileError as exc:
        raise ApiError(400, "bad_file", str(exc)) from None
    body: dict[str, Any] = report.as_dict()
    return JSONResponse(body, status_code=200)
