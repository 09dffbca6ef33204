"""Open311 GeoReport v2 façade 开放311接口, under `/open311/v2/`, JSON or XML.

Services are our problem categories; a request is a complaint (channel `online`). `api_key` is a
caller token (form field on POST, query parameter on GET, or a bearer header), checked against
the same callers, scopes and limits as every other route. Reading requests back needs a key
too, and a caller sees only the requests it submitted: these are reports about named cadres,
not potholes. Errors are the spec's list of `{code, description}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse

from services.intake.adapters.tables import complaints, problem_progress
from services.intake.domain.open311.errors import Open311Error, Open311Rejected, from_field_errors
from services.intake.domain.open311.requests import (
    MAX_RESULTS,
    RequestQuery,
    RequestView,
    parse_post_request,
    parse_request_query,
    post_response,
    request_body,
    token_response,
)
from services.intake.domain.open311.services import service_definition, service_list
from services.intake.domain.open311.xml import to_xml
from services.intake.domain.routing import Routing
from services.intake.domain.storable import unstorable
from services.intake.domain.vocabulary import Category, Level
from services.intake.entrypoints.accepting import IdempotencyKey, accept
from services.intake.entrypoints.context import IntakeContext, intake
from services.intake.entrypoints.limits import admit, read_body, too_large
from shared.http.auth import Caller, authenticate, bearer_token
from shared.http.errors import ApiError

router = APIRouter(prefix="/open311/v2", tags=["open311 开放311接口"])
Format = Annotated[str, Path(pattern="^(json|xml)$", description="json or xml")]
MAX_FORM_FIELDS = 100


class Open311Failure(Open311Rejected):
    """An Open311 error that also carries response headers (Retry-After, WWW-Authenticate)."""

    def __init__(self, errors: Sequence[Open311Error], headers: dict[str, str] | None = None) -> None:
        super().__init__(errors)
        self.headers = headers or {}


def _from_api_error(exc: ApiError) -> Open311Failure:
    return Open311Failure([Open311Error(exc.status, f"{exc.code}: {exc.message}")], exc.headers)


def render(fmt: str, root: str, body: object, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status, headers=headers,
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Render Open311 errors in the format the path asked for."""

    @app.exception_handler(Open311Rejected)
    async def _open311_error(request: Request, exc: Open311Rejected) -> Response:
        fmt = "xml" if request.url.path.endswith(".xml") else "json"
        return render(fmt, "errors", exc.as_body(), exc.status, getattr(exc, "headers", None))


def _caller(request: Request, api_key: str | None, scope: str) -> Caller:
    try:
        caller = authenticate(request.app.state.callers, api_key or bearer_token(request))
    except ApiError as exc:
        raise Open311Failure([Open311Error(403, "api_key: 缺少或无效的 api_key")], exc.headers) from None
    if not caller.may(scope):
        raise Open311Failure([Open311Error(403, f"api_key: 调用方无权限 {scope}")])
    return caller


def _reader(request: Request) -> Caller:
    caller = _caller(request, request.query_params.get("api_key"), "complaints:read")
    try:
        admit(request, caller)
    except ApiError as exc:
        raise _from_api_error(exc) from None
    return caller


# --- services ---------------------------------------------------------------------------------


@router.get("/services.{fmt}", summary="Service list: our problem categories (服务列表)")
async def services(fmt: Format) -> Response:
    return render(fmt, "services", service_list())


@router.get("/services/{service_code}.{fmt}", summary="Service definition: its attributes (服务属性)")
async def service(service_code: str, fmt: Format) -> Response:
    definition = service_definition(service_code)
    if definition is None:
        raise Open311Rejected([Open311Error(404, f"service_code: 服务 {service_code!r} 不存在")])
    return render(fmt, "service_definition", definition)


# --- requests ---------------------------------------------------------------------------------


async def _form(request: Request, raw: bytes) -> list[tuple[str, str]]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    if media not in ("application/x-www-form-urlencoded", ""):
        raise Open311Rejected([Open311Error(400, "请求须为 application/x-www-form-urlencoded 表单")])
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Open311Rejected([Open311Error(400, f"表单无法解析: {type(exc).__name__}")]) from None


@router.post("/requests.{fmt}", summary="Create a service request: a complaint (提交诉求)")
async def create_request(
    fmt: Format, request: Request, idempotency_key: IdempotencyKey = None
) -> Response:
    ctx = intake(request)
    # The api_key is inside the body, so the body is read under the largest limit any caller has,
    # and then held to this caller's own limit.
    ceiling = max((c.max_body_bytes for c in ctx.settings.callers), default=0)
    try:
        raw = await read_body(request, ceiling)
    except ApiError as exc:
        raise _from_api_error(exc) from None
    items = await _form(request, raw)
    api_key = next((v for k, v in items if k == "api_key"), None)
    caller = _caller(request, api_key, "complaints:write")
    try:
        if len(raw) > caller.config.max_body_bytes:
            raise too_large(caller.config.max_body_bytes)
        admit(request, caller)
    except ApiError as exc:
        raise _from_api_error(exc) from None
    fields = [(k, v) for k, v in items if k != "api_key"]  # never stored, never fingerprinted
    # Every pair, not dict(fields): a repeated key's earlier value is the one the parser may keep.
    if errors := [e for k, v in fields for e in unstorable({k: v})]:
        raise from_field_errors(errors, {})
    complaint = parse_post_request(fields, ctx.registry, now=datetime.now(UTC))
    try:
        stored = await accept(request, caller, [complaint], body=sorted(fields),
                              idempotency_key=idempotency_key)
    except ApiError as exc:
        raise _from_api_error(exc) from None
    created = stored.complaints[0]
    return render(fmt, "service_requests", post_response(created.complaint_id, created.query_code))


@router.get("/requests.{fmt}", summary="Service requests, filtered (诉求列表, 最长90天)")
async def list_requests(fmt: Format, request: Request) -> Response:
    caller = _reader(request)
    ctx = intake(request)
    params = {k: v for k, v in request.query_params.items() if k != "api_key"}
    query = parse_request_query(params, now=datetime.now(UTC))
    rows = await _requests(ctx, caller, query)
    return render(fmt, "service_requests", [request_body(_view(ctx, r)) for r in rows])


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request (诉求详情)")
async def get_request(service_request_id: str, fmt: Format, request: Request) -> Response:
    caller = _reader(request)
    ctx = intake(request)
    rows = await _requests(ctx, caller, None, ids=[service_request_id])
    if not rows:
        raise Open311Rejected([Open311Error(404, f"service_request_id: {service_request_id} 不存在")])
    return render(fmt, "service_requests", [request_body(_view(ctx, rows[0]))])


@router.get("/tokens/{token}.{fmt}", summary="The request id for a token (令牌查询)")
async def get_token(token: str, fmt: Format, request: Request) -> Response:
    caller = _reader(request)
    ctx = intake(request)
    # Requests are realtime: the token handed out is the request id itself.
    rows = await _requests(ctx, caller, None, ids=[token])
    if not rows:
        raise Open311Rejected([Open311Error(404, f"token: {token} 不存在")])
    return render(fmt, "service_requests", token_response(token, rows[0].id))


async def _requests(
    ctx: IntakeContext, caller: Caller, query: RequestQuery | None, ids: Sequence[str] = ()
) -> Sequence[Any]:
    stmt = (
        sa.select(complaints, problem_progress.c.closed, problem_progress.c.status_notes,
                  problem_progress.c.updated_at, problem_progress.c.expected_at)
        .outerjoin(problem_progress, problem_progress.c.problem_key == complaints.c.problem_key)
        .order_by(complaints.c.received_at.desc())
        .limit(MAX_RESULTS)
    )
    if not caller.may("*"):
        stmt = stmt.where(complaints.c.caller == caller.name)
    wanted = list(ids) or (list(query.ids) if query else [])
    if wanted:
        # The spec: with service_request_id, the other filters are ignored.
        stmt = stmt.where(complaints.c.id.in_(wanted))
    elif query is not None:
        stmt = stmt.where(complaints.c.received_at.between(query.start, query.end))
        if query.service_codes:
            stmt = stmt.where(complaints.c.category.in_([c.value for c in query.service_codes]))
        if len(set(query.statuses)) == 1:
            closed = sa.func.coalesce(problem_progress.c.closed, sa.false())
            stmt = stmt.where(closed if query.statuses[0] == "closed" else sa.not_(closed))
    async with ctx.sessions() as session:
        return (await session.execute(stmt)).all()


def _view(ctx: IntakeContext, row: Any) -> RequestView:
    return RequestView(
        service_request_id=row.id,
        category=Category(row.category),
        description=row.description,
        place=ctx.registry.resolve(row.place_code),
        routing=Routing(escalated=row.escalate_up, handling_level=Level(row.handling_level)),
        requested_at=row.received_at,
        closed=bool(row.closed),
        status_notes=row.status_notes,
        updated_at=row.updated_at,
        expected_at=row.expected_at,
        media_url=row.media_url,
    )
