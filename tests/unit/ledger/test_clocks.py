"""Several clocks per problem, on working or calendar days, with approved pauses and
extensions. Expected dates are counted by hand on the official 2025 schedule."""

from __future__ import annotations

from datetime import date

import pytest

from services.ledger.domain.clocks import ClockPolicy, ClockState
from services.ledger.domain.enums import Category, ClockKind, DayUnit, ProblemStatus, Source
from services.ledger.domain.errors import Conflict, Forbidden, Invalid

from .factories import CAL, LEAD, POLICY, UNIT, at, problem_in, register


def test_acceptance_notice_due_in_15_working_days_across_national_day() -> None:
    p = register(now=at(2025, 9, 30), named=True)
    clock = p.clock(ClockKind.ACCEPTANCE_NOTICE)
    assert clock is not None and clock.unit is DayUnit.WORKING and clock.days == 15
    assert clock.due(CAL) == date(2025, 10, 28)
    assert clock.state(CAL, date(2025, 10, 28)) is ClockState.RUNNING
    assert clock.state(CAL, date(2025, 10, 29)) is ClockState.OVERDUE
    assert clock.days_overdue(CAL, date(2025, 10, 29)) == 1
    assert clock.days_overdue(CAL, date(2025, 11, 4)) == 5


def test_anonymous_reports_get_no_notice_clocks() -> None:
    p = register(now=at(2025, 9, 30), named=False)
    assert p.clock(ClockKind.ACCEPTANCE_NOTICE) is None


def test_stopping_a_clock_in_time_is_met_and_late_is_met_late() -> None:
    p = register(now=at(2025, 9, 30), named=True)
    p.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="受理告知已送达", actor="notify",
                 now=at(2025, 10, 20))
    c = p.clock(ClockKind.ACCEPTANCE_NOTICE)
    assert c is not None and c.state(CAL, date(2025, 11, 30)) is ClockState.MET
    late = register(now=at(2025, 9, 30), named=True)
    late.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="受理告知已送达", actor="notify",
                    now=at(2025, 10, 30))
    c2 = late.clock(ClockKind.ACCEPTANCE_NOTICE)
    assert c2 is not None and c2.state(CAL, date(2025, 11, 30)) is ClockState.MET_LATE
    with pytest.raises(Conflict) as err:
        late.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="again", actor="notify",
                        now=at(2025, 10, 31))
    assert err.value.code == "clock_not_running"


def test_petition_clocks_count_calendar_days_and_cap_extension_at_30() -> None:
    p = register(now=at(2025, 1, 20), source=Source.PETITION, named=False)
    accept = p.clock(ClockKind.PETITION_ACCEPT)
    close = p.clock(ClockKind.PETITION_CLOSE)
    assert accept is not None and close is not None
    assert accept.unit is DayUnit.CALENDAR and close.unit is DayUnit.CALENDAR
    assert accept.due(CAL) == date(2025, 2, 4)  # 15 days, holiday or not
    assert close.due(CAL) == date(2025, 3, 21)  # 60 days
    p.extend_clock(kind=ClockKind.PETITION_CLOSE, days=20, reason="情况复杂", approver="leader-1",
                   actor="officer-1", now=at(2025, 3, 10), cal=CAL)
    p.extend_clock(kind=ClockKind.PETITION_CLOSE, days=10, reason="需补充调查",
                   approver="leader-1", actor="officer-1", now=at(2025, 3, 12), cal=CAL)
    c = p.clock(ClockKind.PETITION_CLOSE)
    assert c is not None and c.due(CAL) == date(2025, 4, 20)
    # the extension granted on 03-10 is unknown on 03-09: statements see the due of that day
    assert c.due(CAL, as_of=date(2025, 3, 9)) == date(2025, 3, 21)
    with pytest.raises(Conflict) as err:
        p.extend_clock(kind=ClockKind.PETITION_CLOSE, days=1, reason="再延", approver="leader-1",
                       actor="officer-1", now=at(2025, 3, 13), cal=CAL)
    assert err.value.code == "extension_limit"


def test_petition_extension_over_30_days_at_once_is_refused() -> None:
    p = register(now=at(2025, 1, 20), source=Source.PETITION, named=False)
    with pytest.raises(Conflict, match="extension_limit"):
        p.extend_clock(kind=ClockKind.PETITION_CLOSE, days=31, reason="x", approver="leader-1",
                       actor="officer-1", now=at(2025, 2, 1), cal=CAL)


def test_rectification_limit_is_configurable_per_category() -> None:
    policy = ClockPolicy(rectification_working_days={Category.SANZI: 60},
                         default_rectification_working_days=30)
    sanzi = register(now=at(2025, 1, 20), category=Category.SANZI, policy=policy)
    conduct = register(now=at(2025, 1, 20), category=Category.CONDUCT, policy=policy)
    for p in (sanzi, conduct):
        p.assign(responsible=(LEAD,), unit=UNIT, actor="town", now=at(2025, 1, 20),
                 policy=policy)
    s, c = sanzi.clock(ClockKind.RECTIFICATION), conduct.clock(ClockKind.RECTIFICATION)
    assert s is not None and c is not None
    assert (s.days, c.days) == (60, 30)
    # 30 working days from Mon 01-20: 01-21..24 (4), Sun 01-26 (5), 01-27 (6), 02-05..07 (9),
    # Sat 02-08 (10), then five full weeks to Fri 03-07 (30)
    assert c.due(CAL) == date(2025, 3, 7)


def test_paused_working_days_do_not_count() -> None:
    p, _ = problem_in(ProblemStatus.ASSIGNED, start=at(2025, 1, 20, 8))
    clock = p.clock(ClockKind.RECTIFICATION)
    assert clock is not None and clock.due(CAL) == date(2025, 3, 7)
    p.pause_clock(kind=ClockKind.RECTIFICATION, reason="等待司法鉴定", approver="leader-1",
                  actor="officer-1", now=at(2025, 2, 10), cal=CAL)
    paused = p.clock(ClockKind.RECTIFICATION)
    assert paused is not None
    assert paused.due(CAL) is None  # nobody knows yet when the pause ends
    assert paused.state(CAL, date(2025, 2, 12)) is ClockState.PAUSED
    assert not paused.is_overdue(CAL, date(2025, 6, 30))
    p.resume_clock(kind=ClockKind.RECTIFICATION, actor="officer-1", now=at(2025, 2, 17))
    resumed = p.clock(ClockKind.RECTIFICATION)
    assert resumed is not None
    # 02-10..02-14 (five working days) were paused: the due date moves five working days
    assert resumed.due(CAL) == date(2025, 3, 14)
    assert resumed.pauses[0].reason == "等待司法鉴定" and resumed.pauses[0].approver == "leader-1"


def test_pause_and_extension_need_reason_and_another_approver() -> None:
    p, _ = problem_in(ProblemStatus.ASSIGNED, start=at(2025, 1, 20, 8))
    now = at(2025, 2, 10)
    with pytest.raises(Invalid):
        p.pause_clock(kind=ClockKind.RECTIFICATION, reason="", approver="leader-1",
                      actor="officer-1", now=now, cal=CAL)
    with pytest.raises(Invalid):
        p.extend_clock(kind=ClockKind.RECTIFICATION, days=5, reason="x", approver=" ",
                       actor="officer-1", now=now, cal=CAL)
    with pytest.raises(Forbidden) as err:
        p.extend_clock(kind=ClockKind.RECTIFICATION, days=5, reason="x", approver="officer-1",
                       actor="officer-1", now=now, cal=CAL)
    assert err.value.code == "self_approval"
    with pytest.raises(Invalid):
        p.extend_clock(kind=ClockKind.RECTIFICATION, days=0, reason="x", approver="leader-1",
                       actor="officer-1", now=now, cal=CAL)
    p.pause_clock(kind=ClockKind.RECTIFICATION, reason="x", approver="leader-1",
                  actor="officer-1", now=now, cal=CAL)
    with pytest.raises(Conflict, match="clock_paused"):
        p.pause_clock(kind=ClockKind.RECTIFICATION, reason="x", approver="leader-1",
                      actor="officer-1", now=now, cal=CAL)
    p.resume_clock(kind=ClockKind.RECTIFICATION, actor="officer-1", now=at(2025, 2, 11))
    with pytest.raises(Conflict, match="clock_not_paused"):
        p.resume_clock(kind=ClockKind.RECTIFICATION, actor="officer-1", now=at(2025, 2, 12))


def test_an_overdue_clock_cannot_be_paused_or_extended() -> None:
    p, _ = problem_in(ProblemStatus.ASSIGNED, start=at(2025, 1, 20, 8))
    late = at(2025, 3, 10)  # due 03-07
    for call in (
        lambda: p.pause_clock(kind=ClockKind.RECTIFICATION, reason="x", approver="leader-1",
                              actor="officer-1", now=late, cal=CAL),
        lambda: p.extend_clock(kind=ClockKind.RECTIFICATION, days=5, reason="x",
                               approver="leader-1", actor="officer-1", now=late, cal=CAL),
    ):
        with pytest.raises(Conflict) as err:
            call()
        assert err.value.code == "clock_overdue"


def test_working_day_extension_moves_due_by_working_days() -> None:
    p, _ = problem_in(ProblemStatus.ASSIGNED, start=at(2025, 1, 20, 8))
    p.extend_clock(kind=ClockKind.RECTIFICATION, days=5, reason="涉及历史遗留合同",
                   approver="leader-1", actor="officer-1", now=at(2025, 3, 3), cal=CAL)
    c = p.clock(ClockKind.RECTIFICATION)
    assert c is not None and c.due(CAL) == date(2025, 3, 14)


def test_rework_starts_a_fresh_shorter_rectification_clock_and_keeps_history() -> None:
    p, _ = problem_in(ProblemStatus.AWAITING_REVIEW, start=at(2025, 1, 20, 8))
    first = p.clock(ClockKind.RECTIFICATION)
    assert first is not None and first.stopped_on == date(2025, 1, 20)  # stopped at submission
    p.return_for_rework(reason="整改不到位", actor="officer-fotan-01", now=at(2025, 1, 24),
                        policy=POLICY)
    runs = p.clocks[ClockKind.RECTIFICATION]
    assert len(runs) == 2
    assert runs[1].days == POLICY.rework_working_days and runs[1].start == date(2025, 1, 24)
    # 10 working days from Fri 01-24: Sun 01-26, 01-27, 02-05..07, Sat 02-08, 02-10..13
    assert runs[1].due(CAL) == date(2025, 2, 13)
    assert p.clock_on(ClockKind.RECTIFICATION, date(2025, 1, 22)) is runs[0]


def test_closing_starts_the_result_notice_clock_for_a_named_reporter() -> None:
    named, _ = problem_in(ProblemStatus.CLOSED, start=at(2025, 9, 30, 8))
    anonymous, _ = problem_in(ProblemStatus.CLOSED, start=at(2025, 9, 30, 8), named=False)
    c = named.clock(ClockKind.RESULT_NOTICE)
    assert c is not None and c.days == 15 and c.start == date(2025, 9, 30)
    assert c.due(CAL) == date(2025, 10, 28)
    assert anonymous.clock(ClockKind.RESULT_NOTICE) is None
    assert named.running_clock(ClockKind.RECTIFICATION) is None


def test_forward_clock_is_met_by_transfer_up() -> None:
    p = register(now=at(2025, 9, 26))
    p.start_clock(kind=ClockKind.FORWARD, actor="town", now=at(2025, 9, 26), policy=POLICY)
    with pytest.raises(Conflict, match="clock_running"):
        p.start_clock(kind=ClockKind.FORWARD, actor="town", now=at(2025, 9, 26), policy=POLICY)
    fwd = p.clock(ClockKind.FORWARD)
    # 5 working days from Fri 09-26: Sun 09-28, 09-29, 09-30, 10-09, 10-10
    assert fwd is not None and fwd.due(CAL) == date(2025, 10, 10)
    p.transfer_up(reason="涉及县管干部", actor="town", now=at(2025, 10, 9))
    done = p.clock(ClockKind.FORWARD)
    assert done is not None and done.state(CAL, date(2025, 10, 20)) is ClockState.MET
