"""Working-day calendar (工作日历) on the official Chinese holiday schedule.

Built on `chinese_calendar`, which carries each year's State Council notice, including the
make-up working days (调休) that fall on weekends. Named `workdays` rather than `calendar` so it
can never shadow the standard library module.

Counting convention, the one used for "within N working days" (N 个工作日内): the start day
itself does not count; the deadline is the N-th working day after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as _cc_constants

from .errors import CalendarOutOfRange, Invalid

_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Answers 'is this a working day' and walks working days forwards and backwards."""

    def __init__(self) -> None:
        years = {d.year for d in _cc_constants.holidays} | {d.year for d in _cc_constants.workdays}
        self.first_year = min(years)
        self.last_year = max(years)
        self._cache: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarOutOfRange(day.year, self.first_year, self.last_year)
        result = bool(chinese_calendar.is_workday(day))
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
"""The shared instance; holiday data never changes within a process."""
