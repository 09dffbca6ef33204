"""一季度一主题: set a quarter's theme (点题), list themes, follow a theme's problems (破题、解题)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response

from services.ledger.adapters.records import ThemeSet
from services.ledger.adapters.tables import problems, themes
from services.ledger.domain.lifecycle import OPEN
from services.ledger.service_layer import queries, store
from services.ledger.service_layer import themes as theme_use_cases

from .deps import ID_PATTERN, Actor, Ctx, Reader, reading, transaction
from .schemas import ThemeIn

router = APIRouter(prefix="/themes", tags=["themes 一季度一主题"])


def _view(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "area_code", "year", "quarter", "topic",
                                         "categories", "keywords", "set_by", "set_at")}


@router.post("", status_code=201,
             summary="点题: set a quarter's theme; matching problems are tagged, now and later")
async def set_theme(body: ThemeIn, request: Request, response: Response, actor: Actor, ctx: Ctx
                    ) -> dict[str, Any]:
    record = ThemeSet(theme_id=body.theme_id, area_code=body.area_code, year=body.year,
                      quarter=body.quarter, topic=body.topic,
                      categories=sorted(c.value for c in body.categories),
                      keywords=list(body.keywords), actor=actor, at=ctx.now())
    async with transaction(request) as session:
        created, tagged = await theme_use_cases.set_theme(session, record,
                                                          store.new_command_id())
        row = (await session.execute(sa.select(themes).where(themes.c.id == body.theme_id))).one()
    if not created:
        response.status_code = 200
    return {**_view(row), "tagged_now": tagged}


@router.get("", summary="Themes of an area (and its parents' themes are listed under theirs)")
async def list_themes(
    request: Request, _: Reader,
    area_code: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$")] = None,
    year: Annotated[int | None, Query(ge=2004, le=2100)] = None,
) -> dict[str, Any]:
    query = sa.select(themes).order_by(themes.c.year, themes.c.quarter, themes.c.id)
    if area_code:
        query = query.where(themes.c.area_code == area_code)
    if year:
        query = query.where(themes.c.year == year)
    async with reading(request) as session:
        rows = (await session.execute(query)).all()
    return {"items": [_view(r) for r in rows]}


@router.get("/{theme_id}", summary="A theme with its problems and how far they got (破题、解题)")
async def get_theme(theme_id: Annotated[str, Path(pattern=ID_PATTERN)], request: Request,
                    _: Reader) -> dict[str, Any]:
    async with reading(request) as session:
        row = (await session.execute(sa.select(themes).where(themes.c.id == theme_id))).first()
        if row is None:
            raise store.NotFound("theme_not_found", f"no theme {theme_id}")
        tag = theme_use_cases.theme_of(row).tag
        rows = (await session.execute(sa.select(problems).where(
            problems.c.tags.contains([tag])).order_by(problems.c.registered_at))).all()
    open_values = {s.value for s in OPEN}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {
        **_view(row), "tag": tag, "problems": [queries.row_view(r) for r in rows],
        "by_status": counts,
        "open": sum(1 for r in rows if r.status in open_values),
        "closed": counts.get("closed", 0),
    }
