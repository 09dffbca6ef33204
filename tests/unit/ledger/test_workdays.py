"""Working days on the real 2024-2026 schedule, including make-up working days (调休).

Each date below was checked against chinese-calendar 1.11.0 and the State Council notices."""

from __future__ import annotations

from datetime import date

import pytest

from services.ledger.domain.errors import CalendarOutOfRange, Invalid
from services.ledger.domain.responsibility import plan_backwards
from services.ledger.domain.workdays import WorkingCalendar

cal = WorkingCalendar()


@pytest.mark.parametrize(("day", "working"), [
    # 2024 Spring Festival: off 02-10..02-17; Sundays 02-04 and 02-18 worked; 02-09 (除夕) worked
    (date(2024, 2, 4), True), (date(2024, 2, 9), True), (date(2024, 2, 10), False),
    (date(2024, 2, 17), False), (date(2024, 2, 18), True),
    # 2025 Spring Festival: off 01-28..02-04; Sun 01-26 and Sat 02-08 worked
    (date(2025, 1, 26), True), (date(2025, 1, 28), False), (date(2025, 2, 4), False),
    (date(2025, 2, 5), True), (date(2025, 2, 8), True),
    # 2025 National Day + Mid-Autumn: off 10-01..10-08; Sun 09-28 and Sat 10-11 worked
    (date(2025, 9, 28), True), (date(2025, 10, 1), False), (date(2025, 10, 8), False),
    (date(2025, 10, 9), True), (date(2025, 10, 11), True),
    # 2026 Spring Festival: off 02-15..02-23; Sat 02-14 and Sat 02-28 worked
    (date(2026, 2, 14), True), (date(2026, 2, 15), False), (date(2026, 2, 23), False),
    (date(2026, 2, 24), True), (date(2026, 2, 28), True),
    # plain weekend and weekday
    (date(2024, 3, 9), False), (date(2024, 3, 11), True),
])
def test_is_workday_on_real_dates(day: date, working: bool) -> None:
    assert cal.is_workday(day) is working


def test_adding_working_days_jumps_the_2025_spring_festival() -> None:
    # Fri 01-24 -> Sun 01-26 (make-up) 1, Mon 01-27 2, holiday, Wed 02-05 3
    assert cal.add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert cal.add_working_days(date(2025, 1, 24), 3) == date(2025, 2, 5)
    assert cal.working_days_between(date(2025, 1, 24), date(2025, 2, 5)) == 3


def test_adding_working_days_uses_2024_make_up_sunday() -> None:
    # Thu 02-08 -> Fri 02-09 1, holiday 02-10..17, Sun 02-18 2, Mon 02-19 3
    assert cal.add_working_days(date(2024, 2, 8), 2) == date(2024, 2, 18)
    assert cal.add_working_days(date(2024, 2, 8), 3) == date(2024, 2, 19)


def test_fifteen_working_days_across_national_day_2025() -> None:
    # Tue 09-30: 10-09, 10-10, Sat 10-11, then 10-13..17, 10-20..24, 10-27, 10-28 = 15
    assert cal.add_working_days(date(2025, 9, 30), 15) == date(2025, 10, 28)
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 28)) == 15
    assert cal.working_days_between(date(2025, 10, 28), date(2025, 9, 30)) == -15


def test_subtract_is_the_inverse_of_add_from_a_working_day() -> None:
    for start in (date(2024, 2, 8), date(2025, 1, 20), date(2025, 9, 26), date(2026, 2, 12)):
        assert cal.is_workday(start)
        for n in (1, 5, 15):
            due = cal.add_working_days(start, n)
            assert cal.subtract_working_days(due, n) == start
            assert cal.working_days_between(start, due) == n


def test_backward_schedule_from_a_due_date_after_spring_festival_2025() -> None:
    # final due Mon 2025-02-10: -1 Sat 02-08 (make-up), -2 Fri 02-07, -5 Mon 01-27,
    # -6 Sun 01-26 (make-up), -7 Fri 01-24
    got = cal.schedule_backwards(date(2025, 2, 10), {"验收": 0, "公示": 1, "整改": 2,
                                                     "清查": 5, "核实": 6, "部署": 7})
    assert got == {"部署": date(2025, 1, 24), "核实": date(2025, 1, 26),
                   "清查": date(2025, 1, 27), "整改": date(2025, 2, 7),
                   "公示": date(2025, 2, 8), "验收": date(2025, 2, 10)}
    assert list(got) == ["部署", "核实", "清查", "整改", "公示", "验收"]


def test_plan_backwards_builds_measures_in_date_order() -> None:
    plan = plan_backwards(date(2025, 10, 15), {"公示结果": 0, "收回合同": 3, "清查台账": 8}, cal)
    # from Wed 10-15 back: 10-14, 10-13, Sat 10-11 (make-up) = 3; 10-10, 10-09, holiday
    # 10-01..08, 09-30, 09-29, Sun 09-28 (make-up) = 8
    assert [(m.measure_id, m.description, m.due) for m in plan.measures] == [
        ("m1", "清查台账", date(2025, 9, 28)),
        ("m2", "收回合同", date(2025, 10, 11)),
        ("m3", "公示结果", date(2025, 10, 15)),
    ]
    assert plan.due == date(2025, 10, 15)


def test_negative_offsets_are_refused() -> None:
    with pytest.raises(Invalid):
        cal.schedule_backwards(date(2025, 3, 3), {"x": -1})


def test_before_the_library_range_is_an_error_not_a_guess() -> None:
    with pytest.raises(CalendarOutOfRange) as err:
        cal.is_workday(date(2003, 12, 31))
    assert err.value.code == "calendar_out_of_range"
    assert "2004" in err.value.reason and "2026" in err.value.reason
