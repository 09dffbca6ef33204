"""Reconciliation statements (对账单) per town or county and period.

Per area: carried over (open at the start), opened, reopened, closed (销号), merged, open at the
end, overdue at the end, and what was recovered. The columns reconcile by construction:

    carried_over + opened + reopened - closed - merged == open_at_end

Closures, reopenings and merges count transitions (an item closed twice in a period counts
twice, matched by its reopening). Recoveries count on the day a reviewer verified them, so
an item reopened and closed again is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .enums import Category, ProblemStatus
from .errors import Invalid
from .lifecycle import OPEN
from .period import Period
from .places import check_area_code
from .problem import Problem
from .workdays import WorkingCalendar

ZERO = Decimal("0")


@dataclass(kw_only=True)
class StatementRow:
    area_code: str
    area_name: str
    carried_over: int = 0  # 上期结转
    opened: int = 0  # 本期新增
    reopened: int = 0  # 重新打开
    closed: int = 0  # 本期销号
    merged: int = 0  # 合并
    open_at_end: int = 0  # 期末在办
    overdue: int = 0  # 逾期
    yuan: Decimal = ZERO  # 收回资金 (元)
    mu: Decimal = ZERO  # 收回土地 (亩)
    contracts: int = 0  # 整改合同 (件)

    def add(self, other: StatementRow) -> None:
        for name in ("carried_over", "opened", "reopened", "closed", "merged", "open_at_end",
                     "overdue", "contracts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.yuan += other.yuan
        self.mu += other.mu

    def balances(self) -> bool:
        return (self.carried_over + self.opened + self.reopened - self.closed - self.merged
                == self.open_at_end)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementDetail:
    """One item of the statement (逐件对账)."""

    problem_id: str
    town_code: str
    village_code: str | None
    category: Category
    title: str
    registered_on: date
    status_at_end: ProblemStatus
    closed_on: date | None
    overdue_at_end: bool
    yuan: Decimal
    mu: Decimal
    contracts: int


@dataclass(kw_only=True)
class Statement:
    area_code: str
    area_name: str
    period: Period
    as_of: date
    rows: list[StatementRow]
    total: StatementRow
    details: list[StatementDetail] = field(default_factory=list)


def _problem_row(p: Problem, period: Period, as_of: date, cal: WorkingCalendar,
                 row: StatementRow) -> StatementDetail | None:
    """Add one problem to `row`; None (and `row` untouched) when the problem had nothing to
    do with the period: finished before it, or registered after it."""
    before = p.status_on(period.start - timedelta(days=1))
    at_end = p.status_on(as_of)
    in_period = [t for t in p.transitions() if period.start <= t.on <= as_of]
    if at_end is None or (before not in OPEN and not in_period):
        return None
    if before in OPEN:
        row.carried_over += 1
    if period.start <= p.registered_on <= as_of:
        row.opened += 1
    closed_on = None
    for t in in_period:
        if t.is_close():
            row.closed += 1
            closed_on = t.on
        elif t.is_reopen():
            row.reopened += 1
        elif t.is_merge():
            row.merged += 1
    is_open = at_end in OPEN
    overdue = is_open and p.is_overdue(cal, as_of)
    row.open_at_end += is_open
    row.overdue += overdue
    yuan, mu, contracts = ZERO, ZERO, 0
    for entry in p.recoveries:
        if period.start <= entry.on <= as_of:
            yuan += entry.recovery.yuan
            mu += entry.recovery.mu
            contracts += entry.recovery.contracts
    row.yuan += yuan
    row.mu += mu
    row.contracts += contracts
    return StatementDetail(
        problem_id=p.problem_id, town_code=p.place.town_code, village_code=p.place.village_code,
        category=p.category, title=p.title, registered_on=p.registered_on, status_at_end=at_end,
        closed_on=closed_on, overdue_at_end=overdue, yuan=yuan, mu=mu, contracts=contracts,
    )


def build_statement(
    problems: Iterable[Problem], *, area_code: str, period: Period, cal: WorkingCalendar,
    names: Mapping[str, str] | None = None, as_of: date | None = None,
) -> Statement:
    """对账单 for an area (county -> one row per town; town -> one row per village, with
    items registered at town level under the town itself). `as_of` evaluates a period still
    running (defaults to its last day); `names` maps area codes to names."""
    check_area_code(area_code)
    names = names or {}
    end = as_of or period.last_day
    if not period.contains(end):
        raise Invalid("bad_as_of", f"{end} is outside {period.label()}")
    rows: dict[str, StatementRow] = {}
    details = []
    for p in problems:
        if not p.place.within(area_code):
            continue
        code = p.place.child_of(area_code)
        row = rows.get(code) or StatementRow(
            area_code=code,
            area_name=names.get(code, code) + ("（本级）" if code == area_code else ""),
        )
        detail = _problem_row(p, period, end, cal, row)
        if detail is not None:
            rows[code] = row
            details.append(detail)
    total = StatementRow(area_code=area_code, area_name="合计")
    ordered = [rows[c] for c in sorted(rows)]
    for row in ordered:
        total.add(row)
    details.sort(key=lambda d: (d.town_code, d.village_code or "", d.registered_on,
                                d.problem_id))
    return Statement(area_code=area_code, area_name=names.get(area_code, area_code),
                     period=period, as_of=end, rows=ordered, total=total, details=details)
