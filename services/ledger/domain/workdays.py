"""Working-day calendar (工作日历) on the official Chinese holiday schedule.

Three sources, in order, decide whether a day is worked:

1. `chinese_calendar`, which carries each year's State Council notice, including the make-up
   working days (调休) that fall on weekends, for the years it knows;
2. an operator-maintained `YearSchedule` for a year the library does not know yet (the notice
   for next year is published in November or December, long before a library release);
3. otherwise Monday to Friday, and the answer is marked *estimated*: a deadline that crosses
   such a day carries the flag and is recomputed as soon as the table for its year arrives
   (due dates are computed from the clock's events on demand, never stored).

A year before the library's first year is refused (`CalendarOutOfRange`): the ledger has no
business there, and a guess about the past would silently misdate history.

Named `workdays` rather than `calendar` so it can never shadow the standard library module.

Counting convention, the one used for "within N working days" (N 个工作日内): the start day
itself does not count; the deadline is the N-th working day after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as _cc_constants

from .errors import CalendarOutOfRange, Invalid

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year's schedule from the State Council notice (国务院办公厅关于 N 年部分节假日安排的
    通知): `holidays` are days off (放假), `workdays` the weekend days worked instead (调休上班).
    Any other day follows the week: Monday to Friday worked, weekends off."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""

    def __post_init__(self) -> None:
        stray = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if stray:
            raise Invalid("bad_schedule", f"{self.year} schedule lists days of another year: {stray}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise Invalid("bad_schedule", f"days both off and worked: {both}")
        weekend_off = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekend_off:
            raise Invalid("bad_schedule", f"make-up working days must be weekend days: {weekend_off}")

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


class WorkingCalendar:
    """Answers 'is this a working day' (and 'is that answer an estimate') and walks working
    days forwards and backwards."""

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        years = {d.year for d in _cc_constants.holidays} | {d.year for d in _cc_constants.workdays}
        self.first_year = min(years)
        self.last_year = max(years)
        # The library wins for the years it knows: a table left behind after an upgrade is moot.
        self.schedules: Mapping[int, YearSchedule] = {
            s.year: s for s in schedules if s.year > self.last_year
        }
        self._cache: dict[date, bool] = {}

    def is_estimated_year(self, year: int) -> bool:
        """True when days of `year` are counted Monday to Friday for want of official data."""
        return year > self.last_year and year not in self.schedules

    def estimated_between(self, start: date, end: date) -> bool:
        """True when any day from `start` to `end` (either order) falls in an estimated year."""
        low, high = min(start, end), max(start, end)
        return any(self.is_estimated_year(y) for y in range(low.year, high.year + 1))

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        if day.year < self.first_year:
            raise CalendarOutOfRange(day.year, self.first_year, self.last_year)
        if day.year <= self.last_year:
            result = bool(chinese_calendar.is_workday(day))
        elif (schedule := self.schedules.get(day.year)) is not None:
            result = schedule.is_workday(day)
        else:
            result = day.weekday() < 5
        self._cache[day] = result
        return result

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n < 0 walks backwards; n == 0 is `start`)."""
        if n < 0:
            return self.subtract_working_days(start, -n)
        day = start
        while n > 0:
            day += _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def subtract_working_days(self, end: date, n: int) -> date:
        """The n-th working day before `end` (倒排: counting back from a due date)."""
        if n < 0:
            return self.add_working_days(end, -n)
        day = end
        while n > 0:
            day -= _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def next_workday_on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def schedule_backwards(self, final_due: date, offsets: Mapping[str, int]) -> dict[str, date]:
        """倒排时间: each milestone falls `offset` working days before the final due date.

        `offsets` maps a milestone name to how many working days before `final_due` it is due
        (0 = on the due date itself). Returned in order of date.
        """
        for name, offset in offsets.items():
            if offset < 0:
                raise Invalid("bad_offset", f"milestone {name!r} offset must be >= 0")
        dates = {name: self.subtract_working_days(final_due, off) for name, off in offsets.items()}
        return dict(sorted(dates.items(), key=lambda item: (item[1], item[0])))


CHINA_CALENDAR = WorkingCalendar()
"""The library-only instance (no operator tables); services build their own with tables."""
