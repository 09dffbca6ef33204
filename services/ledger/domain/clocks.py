"""Deadline clocks (时限): several per problem, on working or calendar days, with pauses
(中止) and extensions (延期) that carry a reason and an approver.

A clock is a value: its events (start, pause, resume, extend, stop) carry dates and the due date
is computed from them on demand, so a policy change never rewrites history and a replay
reproduces the same clocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from .enums import Category, ClockKind, DayUnit
from .errors import Invalid
from .workdays import WorkingCalendar

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Days from `start` (inclusive) to `end` (exclusive) do not count; open while end is None."""

    start: date
    end: date | None = None
    reason: str
    approver: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Extension:
    granted_on: date
    days: int
    reason: str
    approver: str


class ClockState(StrEnum):
    NOT_STARTED = "not_started"  # 未开始
    RUNNING = "running"  # 计时中
    PAUSED = "paused"  # 已中止
    OVERDUE = "overdue"  # 已逾期
    MET = "met"  # 按期完成
    MET_LATE = "met_late"  # 逾期完成


@dataclass(frozen=True, slots=True, kw_only=True)
class Clock:
    kind: ClockKind
    unit: DayUnit
    start: date
    days: int
    max_extension_days: int | None = None
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    stopped_on: date | None = None

    # --- facts as of a day -------------------------------------------------------------
    def running_on(self, day: date) -> bool:
        return self.start <= day and (self.stopped_on is None or day < self.stopped_on)

    def open_pause(self, as_of: date | None = None) -> Pause | None:
        for p in self.pauses:
            if (as_of is None or p.start <= as_of) and (
                p.end is None or (as_of is not None and p.end > as_of)
            ):
                return p
        return None

    def extension_days(self, as_of: date | None = None) -> int:
        return sum(e.days for e in self.extensions if as_of is None or e.granted_on <= as_of)

    def due(self, cal: WorkingCalendar, as_of: date | None = None) -> date | None:
        """The last day still on time, as known on `as_of` (default: everything recorded).

        None while an open pause stands in the way: nobody can say when it will end.
        """
        pauses = [p for p in self.pauses if as_of is None or p.start <= as_of]
        needed = self.days + self.extension_days(as_of)
        day = self.start
        while needed > 0:
            day += _ONE_DAY
            paused = False
            for p in pauses:
                if p.start <= day:
                    known_end = p.end is not None and (as_of is None or p.end <= as_of)
                    end = p.end if known_end else None
                    if end is None:
                        return None
                    if day < end:
                        paused = True
                        break
            if paused:
                continue
            if self.unit is DayUnit.WORKING and not cal.is_workday(day):
                continue
            needed -= 1
        return day

    def due_is_estimated(self, cal: WorkingCalendar, as_of: date | None = None) -> bool:
        """True when the due date was counted across a year with no official schedule yet
        (Monday to Friday assumed); it moves when the year's table arrives."""
        if self.unit is not DayUnit.WORKING:
            return False
        due = self.due(cal, as_of)
        return due is not None and cal.estimated_between(self.start, due)

    def is_overdue(self, cal: WorkingCalendar, on: date) -> bool:
        if not self.running_on(on):
            return False
        due = self.due(cal, as_of=on)
        return due is not None and on > due

    def days_overdue(self, cal: WorkingCalendar, on: date) -> int:
        """How far past due, in the clock's own unit (0 when not overdue)."""
        if not self.is_overdue(cal, on):
            return 0
        due = self.due(cal, as_of=on)
        assert due is not None
        if self.unit is DayUnit.WORKING:
            return cal.working_days_between(due, on)
        return (on - due).days

    def state(self, cal: WorkingCalendar, on: date) -> ClockState:
        if on < self.start:
            return ClockState.NOT_STARTED
        if self.stopped_on is not None and self.stopped_on <= on:
            due = self.due(cal, as_of=self.stopped_on)
            late = due is not None and self.stopped_on > due
            return ClockState.MET_LATE if late else ClockState.MET
        if self.open_pause(on) is not None:
            return ClockState.PAUSED
        return ClockState.OVERDUE if self.is_overdue(cal, on) else ClockState.RUNNING

    # --- transitions (used by the aggregate's apply) ---------------------------------------
    def paused(self, pause: Pause) -> Clock:
        return replace(self, pauses=(*self.pauses, pause))

    def resumed(self, on: date) -> Clock:
        pauses = tuple(replace(p, end=on) if p.end is None else p for p in self.pauses)
        return replace(self, pauses=pauses)

    def extended(self, extension: Extension) -> Clock:
        return replace(self, extensions=(*self.extensions, extension))

    def stopped(self, on: date) -> Clock:
        return replace(self, stopped_on=on)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockSpec:
    kind: ClockKind
    unit: DayUnit
    days: int
    max_extension_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class ClockPolicy:
    """Configurable time limits (时限配置). Defaults follow the rules in REFERENCES.md:

    - 检举控告工作规则: acceptance notice within 15 working days, result within 15 working days
      of closure, forward up or down within 5 working days;
    - 信访: 15 (calendar) days to say whether accepted, 60 days to close, at most 30 days more.
    Rectification limits per category are local choices; `default_rectification_working_days`
    applies to categories not listed.
    """

    rectification_working_days: Mapping[Category, int] = field(default_factory=dict)
    default_rectification_working_days: int = 30
    rework_working_days: int = 10
    acceptance_notice_working_days: int = 15
    result_notice_working_days: int = 15
    forward_working_days: int = 5
    petition_accept_days: int = 15
    petition_close_days: int = 60
    petition_max_extension_days: int = 30

    def __post_init__(self) -> None:
        numbers = [
            self.default_rectification_working_days,
            self.rework_working_days,
            self.acceptance_notice_working_days,
            self.result_notice_working_days,
            self.forward_working_days,
            self.petition_accept_days,
            self.petition_close_days,
            *self.rectification_working_days.values(),
        ]
        if any(n <= 0 for n in numbers) or self.petition_max_extension_days < 0:
            raise Invalid("bad_policy", "time limits must be positive")

    def spec(self, kind: ClockKind, category: Category) -> ClockSpec:
        w, c = DayUnit.WORKING, DayUnit.CALENDAR
        if kind is ClockKind.RECTIFICATION:
            days = self.rectification_working_days.get(
                category, self.default_rectification_working_days
            )
            return ClockSpec(kind=kind, unit=w, days=days)
        table = {
            ClockKind.ACCEPTANCE_NOTICE: ClockSpec(
                kind=kind, unit=w, days=self.acceptance_notice_working_days
            ),
            ClockKind.RESULT_NOTICE: ClockSpec(
                kind=kind, unit=w, days=self.result_notice_working_days
            ),
            ClockKind.FORWARD: ClockSpec(kind=kind, unit=w, days=self.forward_working_days),
            ClockKind.PETITION_ACCEPT: ClockSpec(kind=kind, unit=c, days=self.petition_accept_days),
            ClockKind.PETITION_CLOSE: ClockSpec(
                kind=kind,
                unit=c,
                days=self.petition_close_days,
                max_extension_days=self.petition_max_extension_days,
            ),
        }
        return table[kind]

    def rework_spec(self) -> ClockSpec:
        """A returned or reopened item gets a fresh, shorter rectification limit."""
        return ClockSpec(
            kind=ClockKind.RECTIFICATION, unit=DayUnit.WORKING, days=self.rework_working_days
        )
