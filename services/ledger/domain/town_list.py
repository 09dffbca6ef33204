"""One list per town (一镇一清单): the town's open items, worst first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .enums import Category, ClockKind, Level, ProblemStatus
from .places import check_code
from .problem import Problem
from .workdays import WorkingCalendar


@dataclass(frozen=True, slots=True, kw_only=True)
class TownListRow:
    problem_id: str
    village_code: str | None
    category: Category
    title: str
    status: ProblemStatus
    level: Level
    responsible: str  # names, lead first (责任人)
    unit: str  # 责任单位
    due: date | None  # rectification deadline (整改时限)
    due_estimated: bool  # counted Monday to Friday for a year with no official schedule yet
    overdue: bool
    days_overdue: int
    rework_count: int
    tags: tuple[str, ...]


def _row(p: Problem, today: date, cal: WorkingCalendar) -> TownListRow:
    clock = p.running_clock(ClockKind.RECTIFICATION)
    overdue = p.overdue_clocks(cal, today)
    people = sorted(p.responsible, key=lambda r: (not r.lead, r.name))
    return TownListRow(
        problem_id=p.problem_id, village_code=p.place.village_code, category=p.category,
        title=p.title, status=p.status, level=p.level,
        responsible="、".join(r.name for r in people), unit=p.unit.name if p.unit else "",
        due=clock.due(cal) if clock is not None else None,
        due_estimated=clock is not None and clock.due_is_estimated(cal), overdue=bool(overdue),
        days_overdue=max((c.days_overdue(cal, today) for c in overdue), default=0),
        rework_count=p.rework_count, tags=tuple(p.tags),
    )


def town_list(
    problems: Iterable[Problem], *, town_code: str, today: date, cal: WorkingCalendar,
    include_closed: bool = False, category: Category | None = None, tag: str | None = None,
) -> list[TownListRow]:
    """Items of one town: overdue first (most overdue on top), then by deadline, then by
    registration. Merged duplicates and items registered after `today` never appear; closed
    ones only on request."""
    check_code(town_code, 9, "town")
    picked = [
        p for p in problems
        if p.place.town_code == town_code
        and p.registered_on <= today
        and p.status is not ProblemStatus.MERGED
        and (include_closed or p.is_open())
        and (category is None or p.category is category)
        and (tag is None or tag in p.tags)
    ]
    rows = [(_row(p, today, cal), p.registered_on) for p in picked]
    rows.sort(key=lambda x: (not x[0].overdue, -x[0].days_overdue, x[0].due or date.max, x[1],
                             x[0].problem_id))
    return [r for r, _ in rows]
