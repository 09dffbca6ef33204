"""Scorecard figures (成绩单): "resolved" (解决率) and "satisfied" (满意率) reported separately,
per kind of rater, over an area and period. Ratings struck out by an upheld appeal don't count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .enums import RaterKind
from .figures import percent
from .period import Period
from .places import check_area_code
from .problem import Problem
from .ratings import ScorecardPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class RaterFigures:
    rater_kind: RaterKind | None  # None = all raters together
    rated: int
    resolved: int
    satisfied: int
    dissatisfied: int
    resolved_rate: Decimal | None
    satisfied_rate: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scorecard:
    area_code: str
    period: Period
    by_rater: dict[RaterKind, RaterFigures]
    overall: RaterFigures
    appeals_upheld: int
    sent_back: int  # 退回重办 + 重新打开 in the period, whatever the cause


def _figures(kind: RaterKind | None, scores: list[tuple[int, bool]],
             policy: ScorecardPolicy) -> RaterFigures:
    rated = len(scores)
    resolved = sum(1 for _, r in scores if r)
    satisfied = sum(1 for s, _ in scores if policy.is_satisfied(s))
    dissatisfied = sum(1 for s, _ in scores if policy.is_dissatisfied(s))
    return RaterFigures(rater_kind=kind, rated=rated, resolved=resolved, satisfied=satisfied,
                        dissatisfied=dissatisfied, resolved_rate=percent(resolved, rated),
                        satisfied_rate=percent(satisfied, rated))


def scorecard(problems: Iterable[Problem], *, area_code: str, period: Period,
              policy: ScorecardPolicy) -> Scorecard:
    check_area_code(area_code)
    per_kind: dict[RaterKind, list[tuple[int, bool]]] = {k: [] for k in RaterKind}
    upheld = sent_back = 0
    for p in problems:
        if not p.place.within(area_code):
            continue
        for entry in p.counted_ratings():
            if period.contains(entry.on):
                per_kind[entry.rating.rater_kind].append((entry.rating.score,
                                                          entry.rating.resolved))
        upheld += sum(1 for a in p.appeals.values() if a.upheld is True)
        sent_back += sum(1 for t in p.transitions() if t.is_rework() and period.contains(t.on))
    everything = [s for scores in per_kind.values() for s in scores]
    return Scorecard(
        area_code=area_code, period=period,
        by_rater={k: _figures(k, v, policy) for k, v in per_kind.items()},
        overall=_figures(None, everything, policy), appeals_upheld=upheld,
        sent_back=sent_back,
    )
