"""Escalation of supervision (督办 / 提级督办).

An item that is overdue, or that has been sent back three or more times (12345 practice:
reworked 3+ times goes to higher supervision), is escalated to the county; one still overdue
after a further number of working days goes up another tier to the city. Each tier is raised
once per problem, so a periodic sweep can call `escalate` as often as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .clocks import Clock
from .enums import LEVEL_ORDER, EscalationReason, Level
from .errors import Conflict, Invalid
from .events import AnyProblemEvent
from .period import local_date
from .problem import Problem
from .workdays import WorkingCalendar


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationTier:
    """Raise `tier` to `to_level` when a clock is at least `overdue_days` past due (in the
    clock's unit; 0 = as soon as it is overdue) or after `reworks` reworks. None disables a
    trigger."""

    tier: int
    to_level: Level
    overdue_days: int | None = 0
    reworks: int | None = None


@dataclass(frozen=True, kw_only=True)
class EscalationPolicy:
    tiers: tuple[EscalationTier, ...] = (
        EscalationTier(tier=1, to_level=Level.COUNTY, overdue_days=0, reworks=3),
        EscalationTier(tier=2, to_level=Level.CITY, overdue_days=5, reworks=None),
    )

    def __post_init__(self) -> None:
        numbers = [t.tier for t in self.tiers]
        if numbers != sorted(set(numbers)):
            raise Invalid("bad_policy", "escalation tiers must be unique and in order")


def area_code_for(problem: Problem, level: Level) -> str:
    codes = {
        Level.TOWN: problem.place.town_code,
        Level.COUNTY: problem.place.county_code,
        Level.CITY: problem.place.city_code,
        Level.PROVINCE: problem.place.county_code[:2],
    }
    return codes[level]


def _most_overdue(problem: Problem, cal: WorkingCalendar, day: date) -> tuple[Clock, int]:
    clocks = problem.overdue_clocks(cal, day)
    ranked = sorted(((c.days_overdue(cal, day), c.kind.value, c) for c in clocks),
                    key=lambda x: (-x[0], x[1]))
    return ranked[0][2], ranked[0][0]


def escalate(
    problem: Problem, *, policy: EscalationPolicy, cal: WorkingCalendar, actor: str,
    now: datetime,
) -> list[AnyProblemEvent]:
    """Raise every tier that is due and not yet raised; nothing for closed or merged items.

    A tier only goes to a level above the one handling the problem (a county-level item is
    escalated to the city, not to itself)."""
    if not problem.is_open():
        return []
    day = local_date(now)
    overdue = problem.is_overdue(cal, day)
    clock, days = _most_overdue(problem, cal, day) if overdue else (None, 0)
    raised = {e.tier for e in problem.escalations}
    handling = LEVEL_ORDER.index(problem.level)
    events: list[AnyProblemEvent] = []
    for tier in policy.tiers:
        if tier.tier in raised or LEVEL_ORDER.index(tier.to_level) <= handling:
            continue
        by_overdue = overdue and tier.overdue_days is not None and days >= tier.overdue_days
        by_rework = tier.reworks is not None and problem.rework_count >= tier.reworks
        if not (by_overdue or by_rework):
            continue
        reason = EscalationReason.OVERDUE if by_overdue else EscalationReason.REPEATED_REWORK
        events += problem.raise_escalation(
            tier=tier.tier, to_level=tier.to_level, to_area_code=area_code_for(problem,
                                                                                tier.to_level),
            reason=reason, actor=actor, now=now,
            clock=clock.kind if (by_overdue and clock is not None) else None,
            days_overdue=days if by_overdue else 0,
        )
    return events


def escalate_now(
    problem: Problem, *, policy: EscalationPolicy, reason: EscalationReason, actor: str,
    now: datetime,
) -> list[AnyProblemEvent]:
    """督办 at once, for a reason the clocks cannot see (e.g. no conflict-free team exists):
    the lowest tier above the handling level not raised yet. Nothing when every such tier was
    raised already (the level above is already supervising), so it is safe to repeat."""
    if not problem.is_open():
        raise Conflict("not_open", f"a {problem.status} problem is not supervised any more")
    raised = {e.tier for e in problem.escalations}
    handling = LEVEL_ORDER.index(problem.level)
    for tier in policy.tiers:
        if tier.tier in raised or LEVEL_ORDER.index(tier.to_level) <= handling:
            continue
        return problem.raise_escalation(
            tier=tier.tier, to_level=tier.to_level,
            to_area_code=area_code_for(problem, tier.to_level), reason=reason, actor=actor,
            now=now,
        )
    return []
