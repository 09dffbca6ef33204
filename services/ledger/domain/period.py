"""Reporting periods: half-open date ranges [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .errors import Invalid

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every
# year the holiday library covers and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The Beijing-time calendar day of an aware timestamp; naive ones are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid("naive_datetime", "timestamps must carry a timezone")
    return moment.astimezone(CHINA_TZ).date()


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period (统计期间) from `start` (inclusive) to `end` (exclusive)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid("bad_period", f"period end {self.end} must be after {self.start}")

    @classmethod
    def year(cls, year: int) -> Period:
        _check_year(year)
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise Invalid("bad_period", f"quarter must be 1-4, got {quarter}")
        _check_year(year)
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(start, end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise Invalid("bad_period", f"month must be 1-12, got {month}")
        _check_year(year)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(date(year, month, 1), end)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def year_before(self) -> Period:
        """The same span one year earlier, for year-on-year (同比) figures."""
        return Period(_minus_year(self.start), _minus_year(self.end))

    def label(self) -> str:
        return f"{self.start.isoformat()}~{self.last_day.isoformat()}"


FIRST_YEAR, LAST_YEAR = 1950, 2999  # room for year-on-year before and after, far from date's limits


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid("bad_period", f"year must be {FIRST_YEAR}-{LAST_YEAR}, got {year}")


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
