"""Years the holiday library does not know yet: an operator table where there is one, else
Monday to Friday with the deadline marked estimated (chinese-calendar 1.11.0 stops at 2026).

The 2027 schedules below are test inputs that exercise the mechanism, not the State Council's
2027 notice."""

from __future__ import annotations

from datetime import date

import pytest

from services.ledger.domain.enums import ClockKind
from services.ledger.domain.errors import Invalid
from services.ledger.domain.town_list import town_list
from services.ledger.domain.workdays import WorkingCalendar, YearSchedule

from .factories import DEPUTY, LEAD, POLICY, UNIT, at, register

NEW_YEAR_OFF = YearSchedule(year=2027, holidays=frozenset({date(2027, 1, 1)}),
                            workdays=frozenset(), source="test table")
bare = WorkingCalendar()
tabled = WorkingCalendar([NEW_YEAR_OFF])


def test_an_unknown_year_counts_monday_to_friday_and_says_so() -> None:
    assert bare.is_estimated_year(2027) and not bare.is_estimated_year(2026)
    assert bare.is_workday(date(2027, 1, 4)) is True  # Monday
    assert bare.is_workday(date(2027, 1, 2)) is False  # Saturday
    assert bare.is_workday(date(2027, 1, 1)) is True  # a Friday: the holiday is not known yet
    # Mon 2026-12-28: 12-29, 12-30, 12-31, 01-01, 01-04..08, 01-11 = 10
    assert bare.add_working_days(date(2026, 12, 28), 10) == date(2027, 1, 11)
    assert bare.estimated_between(date(2026, 12, 28), date(2027, 1, 11))
    assert not bare.estimated_between(date(2026, 1, 5), date(2026, 12, 31))


def test_an_operator_table_replaces_the_estimate() -> None:
    assert not tabled.is_estimated_year(2027)
    assert tabled.is_workday(date(2027, 1, 1)) is False
    assert tabled.add_working_days(date(2026, 12, 28), 10) == date(2027, 1, 12)
    assert not tabled.estimated_between(date(2026, 12, 28), date(2027, 1, 12))


def test_a_make_up_saturday_in_the_table_is_worked() -> None:
    cal = WorkingCalendar([YearSchedule(year=2027, holidays=frozenset(),
                                        workdays=frozenset({date(2027, 1, 9)}))])
    assert cal.is_workday(date(2027, 1, 9)) is True
    assert cal.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 9)


def test_the_library_wins_for_the_years_it_knows() -> None:
    stale = YearSchedule(year=2025, holidays=frozenset({date(2025, 3, 3)}), workdays=frozenset())
    cal = WorkingCalendar([stale])
    assert cal.is_workday(date(2025, 3, 3)) is True
    assert cal.is_workday(date(2025, 10, 1)) is False  # the library's National Day


@pytest.mark.parametrize(("holidays", "workdays", "needle"), [
    ({date(2026, 12, 31)}, set(), "another year"),
    ({date(2027, 1, 9)}, {date(2027, 1, 9)}, "both off and worked"),
    (set(), {date(2027, 1, 4)}, "weekend days"),
])
def test_a_malformed_table_is_refused(holidays: set[date], workdays: set[date], needle: str
                                      ) -> None:
    with pytest.raises(Invalid, match=needle):
        YearSchedule(year=2027, holidays=frozenset(holidays), workdays=frozenset(workdays))


def test_a_rectification_deadline_crossing_into_2027_is_estimated_then_recomputed() -> None:
    p = register(now=at(2026, 12, 10), named=False)
    p.assign(responsible=(LEAD, DEPUTY), unit=UNIT, actor="town-commission",
             now=at(2026, 12, 10, 11), policy=POLICY)
    clock = p.clock(ClockKind.RECTIFICATION)
    assert clock is not None and clock.days == 30
    # Thu 2026-12-10: 12-11, 12-14..18, 12-21..25, 12-28..31 = 15; then Mon-Fri 01-01 (16),
    # 01-04..08 (21), 01-11..15 (26), 01-18..21 (30)
    assert clock.due(bare) == date(2027, 1, 21)
    assert clock.due_is_estimated(bare)
    # the table for 2027 arrives: same events, New Year's Day off, one day later, firm
    assert clock.due(tabled) == date(2027, 1, 22)
    assert not clock.due_is_estimated(tabled)


def test_a_deadline_within_known_years_is_not_estimated() -> None:
    p = register(now=at(2025, 9, 30), named=True)
    clock = p.clock(ClockKind.ACCEPTANCE_NOTICE)
    assert clock is not None and clock.due(bare) == date(2025, 10, 28)
    assert not clock.due_is_estimated(bare)


def test_the_town_list_flags_an_estimated_deadline() -> None:
    p = register(now=at(2026, 12, 10), named=False)
    p.assign(responsible=(LEAD, DEPUTY), unit=UNIT, actor="town-commission",
             now=at(2026, 12, 10, 11), policy=POLICY)
    [row] = town_list([p], town_code=p.place.town_code, today=date(2026, 12, 11), cal=bare)
    assert (row.due, row.due_estimated) == (date(2027, 1, 21), True)
    [firm] = town_list([p], town_code=p.place.town_code, today=date(2026, 12, 11), cal=tabled)
    assert (firm.due, firm.due_estimated) == (date(2027, 1, 22), False)
