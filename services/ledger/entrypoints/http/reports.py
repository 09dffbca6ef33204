"""一镇一清单, 对账单 (JSON, CSV, XLSX), 成绩单 and statistics with 同比."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from services.ledger.domain.enums import Category
from services.ledger.domain.exports import details_csv, statement_csv, statement_xlsx
from services.ledger.domain.period import Period
from services.ledger.service_layer import queries, reports

from .deps import Ctx, Reader, reading
from .render import PERIOD_PATTERN, download, jsonable, parse_period

router = APIRouter(tags=["reports 清单·对账单·成绩单·统计"])
# Bounded: working days are counted one by one from a clock's start to this day, and the calendar
# keeps what it counted; a day in the year 9999 would cost minutes and memory (or overflow).
ReportDay = Annotated[date | None, Query(ge=date(1949, 10, 1), le=date(2199, 12, 31))]
AreaCode = Annotated[str, Path(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")]
PeriodQuery = Annotated[str, Query(pattern=PERIOD_PATTERN,
                                   description="2025 (year), 2025Q3 (quarter) or 2025-07 (month)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/towns/{town_code}/list", summary="一镇一清单: a town's items, most overdue first")
async def town_list(
    town_code: Annotated[str, Path(pattern=r"^[0-9]{9}$")], request: Request, _: Reader, ctx: Ctx,
    today: ReportDay = None, include_closed: bool = False, category: Category | None = None,
    tag: Annotated[str | None, Query(pattern=r"^[\w:.\-]{1,40}$")] = None,
) -> dict[str, Any]:
    day = today or queries.today_of(ctx.now())
    async with reading(request) as session:
        rows = await reports.town_list_for(session, ctx, town_code, day,
                                           include_closed=include_closed, category=category,
                                           tag=tag)
    return {"town_code": town_code, "town_name": ctx.divisions.name(town_code), "as_of": day,
            "items": jsonable(rows)}


def _period(text: str) -> Period:
    return parse_period(text)


@router.get("/statements/{area_code}",
            summary="对账单 of a town or county for a period, as JSON, CSV or XLSX")
async def statement(
    area_code: AreaCode, period: PeriodQuery, request: Request, _: Reader, ctx: Ctx,
    as_of: ReportDay = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    part: Literal["summary", "details"] = "summary",
) -> Any:
    span = _period(period)
    day = reports.as_of_for(span, queries.today_of(ctx.now()), as_of)
    async with reading(request) as session:
        stmt = await reports.statement_for(session, ctx, area_code, span, day)
    if format == "json":
        return jsonable(stmt)
    name = stmt.area_name if stmt.area_name != area_code else area_code
    if format == "csv":
        text = statement_csv(stmt) if part == "summary" else details_csv(stmt)
        suffix = "" if part == "summary" else "_明细"
        return download(text.encode("utf-8-sig"), "text/csv; charset=utf-8",
                        f"对账单_{name}_{period}{suffix}.csv",
                        f"statement-{area_code}-{period}{'-details' if suffix else ''}.csv")
    xlsx = statement_xlsx(stmt, generated_at=ctx.now())
    return download(xlsx, XLSX, f"对账单_{name}_{period}.xlsx",
                    f"statement-{area_code}-{period}.xlsx")


@router.get("/scorecards/{area_code}",
            summary="成绩单: resolved and satisfied rates, separately, per kind of rater")
async def scorecard(area_code: AreaCode, period: PeriodQuery, request: Request, _: Reader,
                    ctx: Ctx) -> Any:
    async with reading(request) as session:
        card = await reports.scorecard_for(session, ctx, area_code, _period(period))
    return jsonable(card)


@router.get("/statistics/{area_code}",
            summary="Figures of an area and period with year-on-year change (统计, 同比)")
async def statistics(area_code: AreaCode, period: PeriodQuery, request: Request, _: Reader,
                     ctx: Ctx) -> Any:
    async with reading(request) as session:
        figures = await reports.statistics_for(session, ctx, area_code, _period(period))
    return jsonable(figures)


__all__ = ["Response", "router"]
