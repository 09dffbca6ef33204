"""Working days (工作日) for the legal notice limits, with Chinese holidays and make-up days (调休).

The ledger keeps its own deadline calendar; this one only answers "which day is N working
days after this one" for reporter notices. Receipt or closure day itself does not count
(the count starts the next day), as in 检举控告工作规则.

chinese-calendar ships the State Council schedule year by year. For a year it does not know
yet we count Monday to Friday and say so (`estimated=True`) rather than refuse to route a
legal notice. Unknown holidays make the estimate early (the safe side); an unknown make-up
Saturday could make it a day late, which is why the flag travels with the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import chinese_calendar

# China has one time zone and no daylight saving: a fixed offset avoids tz database reads.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class DueDate:
    day: date
    estimated: bool


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("need an aware datetime; naive times are ambiguous across services")
    return moment.astimezone(CHINA_TZ).date()


# The calendar is fixed for the process's life and the days asked about cluster around today;
# chinese-calendar's own lookup (with its validation) is what routing a notice spends most on.
@lru_cache(maxsize=4096)
def _is_workday(day: date) -> tuple[bool, bool]:
    """(is a working day, was it a guess)."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, days: int) -> DueDate:
    """The `days`-th working day after `start` (start itself excluded)."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    day, counted, estimated = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        workday, guessed = _is_workday(day)
        estimated = estimated or guessed
        counted += workday
    return DueDate(day=day, estimated=estimated)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when `end` is not later."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += _is_workday(day)[0]
    return count
