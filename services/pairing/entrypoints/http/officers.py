"""The officer registry (干部库): register, import, declare relations, read."""

from __future__ import annotations

import csv
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from services.pairing.entrypoints.http import officer_csv
from services.pairing.entrypoints.http.deps import ID_PATTERN, Ctx, Reader, Writer, reading, transaction
from services.pairing.entrypoints.http.schemas import COUNTY, TOWN, OfficerIn, RelationIn
from services.pairing.service_layer import registry
from shared.http.errors import ApiError

router = APIRouter(tags=["officers 干部库"])
OfficerId = Annotated[str, Path(pattern=ID_PATTERN)]
KINDS = "^(county_dept|dispatched_group|township|village_supervisor)$"


@router.put("/officers/{officer_id}", summary="Register or update an officer (登记干部)")
async def put_officer(officer_id: OfficerId, body: OfficerIn, request: Request, ctx: Ctx,
                      _: Writer) -> dict[str, Any]:
    if body.id != officer_id:
        raise ApiError(422, "id_mismatch", "the path id and the body id differ")
    values = body.model_dump()
    errors = registry.check_officer(values, ctx.divisions)
    if errors:
        raise ApiError(422, "invalid_officer", "the officer breaks the registry's rules", errors)
    async with transaction(request) as session:
        await registry.upsert_officers(session, [values], ctx.now())
        return registry.officer_view(await registry.get_officer(session, officer_id))


@router.post("/officers/import", summary="Import officers from CSV (批量导入), all or nothing",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_officers(request: Request, ctx: Ctx, _: Writer,
                          dry_run: Annotated[bool, Query()] = False) -> dict[str, Any]:
    body = await request.body()
    if len(body) > ctx.settings.import_max_bytes:
        raise ApiError(413, "too_large", f"at most {ctx.settings.import_max_bytes} bytes per import")
    if not body.strip():
        raise ApiError(422, "empty_import", "the CSV has no rows")
    errors: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    count = 0
    try:
        for number, officer, found in officer_csv.rows(officer_csv.decode(body)):
            count += number > 1
            if officer is not None:
                values = officer.model_dump()
                found = [{"row": number, "id": officer.id, **e}
                         for e in registry.check_officer(values, ctx.divisions)]
                if not found:
                    valid.append(values)
            errors += found
    except UnicodeDecodeError:
        raise ApiError(422, "unreadable_csv", "the CSV is neither UTF-8 nor GB18030 text") from None
    except csv.Error as exc:  # a cell over the csv module's field limit, a NUL byte
        raise ApiError(422, "unreadable_csv", f"the CSV cannot be read: {exc}") from None
    report: dict[str, Any] = {"dry_run": dry_run, "rows": count, "valid": len(valid),
                              "errors": errors, "created": 0, "updated": 0}
    if dry_run:
        return report
    if errors or not valid:
        raise ApiError(422, "import_rejected",
                       f"{len({e['row'] for e in errors})} rows have errors; nothing was imported", errors)
    async with transaction(request) as session:
        report["created"], report["updated"] = await registry.upsert_officers(session, valid, ctx.now())
    return report


@router.post("/officers/{officer_id}/relations", status_code=201,
             summary="Declare a relation (申报亲属、同事、利益关系)")
async def declare_relation(officer_id: OfficerId, body: RelationIn, request: Request, response: Response,
                           ctx: Ctx, _: Writer) -> dict[str, Any]:
    if body.target_kind == "place" and not ctx.divisions.exists(body.target):
        raise ApiError(422, "unknown_place", f"{body.target} is not an official division")
    async with transaction(request) as session:
        view, added = await registry.declare_relation(session, officer_id, body.model_dump(exclude_none=True),
                                                      ctx.now())
    if not added:
        response.status_code = 200
    return view


@router.get("/officers", summary="The officer registry (干部库)")
async def list_officers(
    request: Request, _: Reader,
    county_code: Annotated[str | None, Query(pattern=COUNTY)] = None,
    town_code: Annotated[str | None, Query(pattern=TOWN)] = None,
    kind: Annotated[str | None, Query(pattern=KINDS)] = None,
    after: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    async with reading(request) as session:
        return await registry.list_officers(session, county_code, town_code, kind, after, limit)


@router.get("/officers/{officer_id}", summary="One officer with declared relations")
async def get_officer(officer_id: OfficerId, request: Request, _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        return registry.officer_view(await registry.get_officer(session, officer_id))
