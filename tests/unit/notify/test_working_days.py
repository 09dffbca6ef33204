from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.notify.domain.working_days import (
    add_working_days,
    china_date,
    working_days_between,
)


def test_2025_national_day_holiday_is_skipped() -> None:
    # 国务院办公厅: 10月1日至8日放假, 9月28日(周日)和10月11日(周六)上班.
    due = add_working_days(date(2025, 9, 30), 1)
    assert due.day == date(2025, 10, 9)
    assert not due.estimated


def test_make_up_saturday_counts_as_a_working_day() -> None:
    assert add_working_days(date(2025, 10, 10), 1).day == date(2025, 10, 11)


def test_fifteen_working_days_across_national_day() -> None:
    # Oct 9, 10, 11(Sat, make-up), 13-17, 20-24 = 13 days, then Oct 27, 28.
    assert add_working_days(date(2025, 9, 30), 15).day == date(2025, 10, 28)


def test_receipt_day_itself_does_not_count() -> None:
    assert add_working_days(date(2025, 6, 2), 1).day == date(2025, 6, 3)  # Mon -> Tue


def test_years_without_a_published_schedule_are_estimated_on_weekdays() -> None:
    due = add_working_days(date(2026, 12, 25), 15)  # runs into 2027
    assert due.estimated
    # Dec 28-31 (4 days) then 11 weekdays of January 2027: Jan 1 (Fri) ... Jan 15 (Fri).
    assert due.day == date(2027, 1, 15)


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2025, 6, 2), 0)


def test_working_days_between_counts_the_end_not_the_start() -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert working_days_between(date(2025, 10, 10), date(2025, 10, 1)) == 0


def test_china_date_uses_utc_plus_8() -> None:
    late_utc = datetime(2025, 9, 30, 17, 30, tzinfo=UTC)
    assert china_date(late_utc) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        china_date(datetime(2025, 9, 30, 17, 30))
    assert china_date(datetime(2025, 10, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))) == date(
        2025, 10, 1
    )
