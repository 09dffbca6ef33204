"""Figures by area and period, the kinds the source reports (e.g. Zhangzhou 2022: 47,363
household-visit person-times, 236 disputes resolved, 2,083 problems solved, 140 cases / 290
people disciplined, ¥29.523M and 5,893.9 mu recovered, 1,647 contracts rectified, initial
reports down 26.1% year on year)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from .enums import Category, ProblemStatus, Source
from .errors import Invalid
from .figures import change_percent
from .period import Period
from .places import Place, check_area_code
from .problem import Problem

REPORT_SOURCES = frozenset({Source.ONLINE, Source.PETITION, Source.HOTLINE_12345})


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitLog:
    """A household-visit log (走访日志 / 入户访查): how many person-times it covered."""

    log_id: str
    place: Place
    on: date
    person_times: int

    def __post_init__(self) -> None:
        if self.person_times < 0:
            raise Invalid("bad_visit", "person-times must be >= 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class AreaStatistics:
    visit_logs: int  # 走访日志 (篇)
    visit_person_times: int  # 入户访查 (人次)
    reports_received: int  # 检举控告/信访/热线 (件)
    problems_found: int  # 发现问题 (个)
    problems_solved: int  # 推动解决 (个)
    disputes_resolved: int  # 化解矛盾纠纷 (件): livelihood disputes solved
    cases_disciplined: int  # 查处 (起)
    people_disciplined: int  # 处理 (人)
    yuan_recovered: Decimal  # 收回资金 (元)
    mu_recovered: Decimal  # 收回土地 (亩)
    contracts_rectified: int  # 整改合同 (件)


@dataclass(frozen=True, slots=True, kw_only=True)
class YearOnYear:
    area_code: str
    period: Period
    current: AreaStatistics
    previous: AreaStatistics
    change: dict[str, Decimal | None]  # 同比 in percent per figure; None = from zero


def area_statistics(problems: Iterable[Problem], visits: Iterable[VisitLog], *,
                    area_code: str, period: Period) -> AreaStatistics:
    check_area_code(area_code)
    logs = [v for v in visits if v.place.within(area_code) and period.contains(v.on)]
    found = reports = solved = disputes = cases = people = contracts = 0
    yuan = mu = Decimal("0")
    for p in problems:
        if not p.place.within(area_code):
            continue
        if period.contains(p.registered_on):
            found += 1
            reports += p.source in REPORT_SOURCES
        # solved = struck off in the period and still closed at its end (a reopened fix is not)
        if p.status_on(period.last_day) is ProblemStatus.CLOSED and any(
                t.is_close() and period.contains(t.on) for t in p.transitions()):
            solved += 1
            disputes += p.category is Category.LIVELIHOOD
        for d in p.discipline:
            if period.contains(d.on):
                cases += 1
                people += len(d.people)
        for r in p.recoveries:
            if period.contains(r.on):
                yuan += r.recovery.yuan
                mu += r.recovery.mu
                contracts += r.recovery.contracts
    return AreaStatistics(
        visit_logs=len(logs), visit_person_times=sum(v.person_times for v in logs),
        reports_received=reports, problems_found=found, problems_solved=solved,
        disputes_resolved=disputes, cases_disciplined=cases, people_disciplined=people,
        yuan_recovered=yuan, mu_recovered=mu, contracts_rectified=contracts,
    )


def year_on_year(problems: Iterable[Problem], visits: Iterable[VisitLog], *, area_code: str,
                 period: Period) -> YearOnYear:
    problems, visits = list(problems), list(visits)
    current = area_statistics(problems, visits, area_code=area_code, period=period)
    previous = area_statistics(problems, visits, area_code=area_code,
                               period=period.year_before())
    change = {f.name: change_percent(getattr(current, f.name), getattr(previous, f.name))
              for f in fields(AreaStatistics)}
    return YearOnYear(area_code=area_code, period=period, current=current, previous=previous,
                      change=change)
