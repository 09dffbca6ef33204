"""Lists, statements, scorecards and statistics (一镇一清单, 对账单, 成绩单, 统计): the domain
computes them from the aggregates; this loads the aggregates (and visit logs) they need."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.tables import visits
from services.ledger.domain.enums import Category
from services.ledger.domain.period import Period
from services.ledger.domain.places import Place, check_area_code, check_code
from services.ledger.domain.scorecard import Scorecard, scorecard
from services.ledger.domain.statements import Statement, build_statement
from services.ledger.domain.statistics import VisitLog, YearOnYear, year_on_year
from services.ledger.domain.town_list import TownListRow, town_list
from services.ledger.service_layer.context import LedgerContext
from services.ledger.service_layer.queries import area_problems


async def town_list_for(session: AsyncSession, ctx: LedgerContext, town_code: str, today: date,
                        *, include_closed: bool = False, category: Category | None = None,
                        tag: str | None = None) -> list[TownListRow]:
    check_code(town_code, 9, "town")
    found = await area_problems(session, town_code, open_only=not include_closed)
    return town_list(found, town_code=town_code, today=today, cal=ctx.calendar,
                     include_closed=include_closed, category=category, tag=tag)


def as_of_for(period: Period, today: date, as_of: date | None) -> date:
    """A running period is stated as of today; a finished one as of its last day."""
    if as_of is not None:
        return as_of
    return min(period.last_day, max(today, period.start))


async def statement_for(session: AsyncSession, ctx: LedgerContext, area_code: str,
                        period: Period, as_of: date) -> Statement:
    found = await area_problems(session, area_code, touched_since=period.start,
                                registered_before=period.end)
    return build_statement(found, area_code=area_code, period=period, cal=ctx.calendar,
                           names=ctx.divisions.names, as_of=as_of)


async def scorecard_for(session: AsyncSession, ctx: LedgerContext, area_code: str,
                        period: Period) -> Scorecard:
    found = await area_problems(session, area_code, touched_since=period.start,
                                registered_before=period.end)
    return scorecard(found, area_code=area_code, period=period, policy=ctx.scorecard)


async def area_visits(session: AsyncSession, area_code: str, since: date, until: date
                      ) -> list[VisitLog]:
    check_area_code(area_code)
    column = {12: visits.c.village_code, 9: visits.c.town_code}.get(len(area_code),
                                                                    visits.c.county_code)
    rows = (await session.execute(sa.select(visits).where(
        column.startswith(area_code), visits.c.visited_on >= since,
        visits.c.visited_on < until))).all()
    return [VisitLog(log_id=r.visit_id, on=r.visited_on, person_times=r.persons_visited,
                     place=Place(county_code=r.county_code, town_code=r.town_code,
                                 village_code=r.village_code)) for r in rows]


async def statistics_for(session: AsyncSession, ctx: LedgerContext, area_code: str,
                         period: Period) -> YearOnYear:
    """The period's figures beside the same period a year earlier (同比)."""
    earlier = period.year_before()
    found = await area_problems(session, area_code, touched_since=earlier.start,
                                registered_before=period.end)
    logs = await area_visits(session, area_code, earlier.start, period.end)
    return year_on_year(found, logs, area_code=area_code, period=period)
