"""一季度一主题: the county sets a theme for a quarter (点题); problems of the quarter that match
it are tagged, those already on the ledger when it is set and those registered afterwards
(破题、解题 then shows on the theme's list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.records import ThemeSet
from services.ledger.adapters.tables import problems, themes
from services.ledger.domain.enums import Category, ProblemStatus
from services.ledger.domain.errors import Conflict
from services.ledger.domain.period import Period
from services.ledger.domain.problem import Problem
from services.ledger.domain.themes import Theme, tag_with_themes
from services.ledger.service_layer import store

THEME_ACTOR = "system:themes"


def theme_of(row: Any) -> Theme:
    return Theme(theme_id=row.id, area_code=row.area_code, year=row.year, quarter=row.quarter,
                 topic=row.topic, categories=frozenset(Category(c) for c in row.categories),
                 keywords=tuple(row.keywords))


def _areas_of(problem: Problem) -> list[str]:
    """Every area code that contains the problem's place (province down to village)."""
    finest = problem.place.finest_code
    return [finest[:n] for n in (2, 4, 6, 9, 12) if n <= len(finest)]


# Built once: every registration asks (a statement built per call is traversed for its cache key).
_THEMES_OF = sa.select(themes).where(
    themes.c.area_code.in_(sa.bindparam("areas", expanding=True)),
    themes.c.year == sa.bindparam("year"), themes.c.quarter == sa.bindparam("quarter"))


async def themes_for(session: AsyncSession, problem: Problem) -> list[Theme]:
    day = problem.registered_on
    rows = (await session.execute(_THEMES_OF, {
        "areas": _areas_of(problem), "year": day.year, "quarter": (day.month - 1) // 3 + 1})).all()
    return [theme_of(r) for r in rows]


async def tag_new_problem(session: AsyncSession, problem: Problem, now: datetime) -> None:
    """Tag a problem being registered with the themes of its area and quarter (same command)."""
    found = await themes_for(session, problem)
    if found:
        tag_with_themes(problem, found, actor=THEME_ACTOR, now=now)


async def set_theme(session: AsyncSession, record: ThemeSet, command_id: str) -> tuple[bool, int]:
    """Set a theme and tag the problems already registered in its area and quarter.
    Setting the same theme again is a no-op; a different theme under the same id is a 409.
    Returns (created, problems tagged now)."""
    theme = Theme(theme_id=record.theme_id, area_code=record.area_code, year=record.year,
                  quarter=record.quarter, topic=record.topic,
                  categories=frozenset(Category(c) for c in record.categories),
                  keywords=tuple(record.keywords))
    row = (await session.execute(sa.select(themes).where(themes.c.id == record.theme_id)
                                 .with_for_update())).first()
    if row is not None:
        if theme_of(row) != theme:
            raise Conflict("theme_exists", f"theme {record.theme_id} is set with other content")
        return False, 0
    await store.commit_theme(session, record, command_id=command_id)
    period = Period.quarter(record.year, record.quarter)
    candidates = await session.scalars(sa.select(problems.c.id).where(
        problems.c.registered_on >= period.start, problems.c.registered_on < period.end,
        problems.c.status != ProblemStatus.MERGED.value,
        sa.or_(problems.c.village_code.startswith(record.area_code),
               problems.c.town_code.startswith(record.area_code)),
    ).order_by(problems.c.id))
    tagged = 0
    for problem_id in list(candidates.all()):
        loaded = await store.require_problem(session, problem_id)
        if tag_with_themes(loaded.problem, [theme], actor=record.actor, now=record.at):
            await store.commit_problem(session, loaded, command_id=command_id, action="tag")
            tagged += 1
    return True, tagged
