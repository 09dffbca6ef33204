"""督办: overdue or reworked three times -> county; still overdue 5 working days later -> city.
Each tier once."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.ledger.domain.enums import ClockKind, EscalationReason, Level, ProblemStatus
from services.ledger.domain.errors import Conflict
from services.ledger.domain.escalation import (
    EscalationPolicy,
    EscalationTier,
    escalate,
    escalate_now,
)
from services.ledger.domain.events import Escalated
from services.ledger.domain.problem import Problem, fold

from .factories import CAL, POLICY, Walk, at, problem_in, register

S = ProblemStatus
ESC = EscalationPolicy()


def _escalate(p: Problem, now: datetime) -> list[Escalated]:
    events = escalate(p, policy=ESC, cal=CAL, actor="system:escalation", now=now)
    assert all(isinstance(e, Escalated) for e in events)
    return [e for e in events if isinstance(e, Escalated)]


def test_overdue_rectification_escalates_to_county_then_city() -> None:
    # assigned Mon 2025-01-20; 30 working days -> due Fri 2025-03-07
    p, _ = problem_in(S.ASSIGNED, start=at(2025, 1, 20, 8), named=False)
    assert _escalate(p, at(2025, 3, 7, 18)) == []
    first = _escalate(p, at(2025, 3, 10))
    assert [(e.tier, e.to_level, e.to_area_code, e.reason, e.clock, e.days_overdue)
            for e in first] == [(1, Level.COUNTY, "350623", EscalationReason.OVERDUE,
                                 ClockKind.RECTIFICATION, 1)]
    assert _escalate(p, at(2025, 3, 11)) == []  # tier 1 is never raised twice
    assert _escalate(p, at(2025, 3, 13)) == []  # 4 working days overdue: not yet tier 2
    second = _escalate(p, at(2025, 3, 14))
    assert [(e.tier, e.to_level, e.to_area_code, e.days_overdue) for e in second] == [
        (2, Level.CITY, "3506", 5)]
    assert _escalate(p, at(2025, 4, 30)) == []
    assert [r.tier for r in p.escalations] == [1, 2]
    assert fold(p.new_events) == p


def test_both_tiers_at_once_when_found_late() -> None:
    p, _ = problem_in(S.ASSIGNED, start=at(2025, 1, 20, 8), named=False)
    assert [e.tier for e in _escalate(p, at(2025, 4, 1))] == [1, 2]


def test_three_reworks_escalate_even_when_in_time() -> None:
    p, w = problem_in(S.AWAITING_REVIEW, start=at(2025, 1, 20, 8), named=False)
    for n in range(1, 4):
        p.return_for_rework(reason=f"第{n}次退回", actor="officer-fotan-01", now=w.now(),
                            policy=POLICY)
        if n < 3:
            assert _escalate(p, w.now()) == []
            w.submit()
    assert p.rework_count == 3
    raised = _escalate(p, w.now())
    assert [(e.tier, e.reason, e.clock, e.rework_count) for e in raised] == [
        (1, EscalationReason.REPEATED_REWORK, None, 3)]


def test_overdue_acceptance_notice_escalates_too() -> None:
    # named complaint registered 2025-09-30: acceptance notice due 2025-10-28
    p = register(now=at(2025, 9, 30), named=True)
    raised = _escalate(p, at(2025, 10, 29))
    assert [(e.tier, e.clock) for e in raised] == [(1, ClockKind.ACCEPTANCE_NOTICE)]


def test_closed_and_merged_items_are_not_escalated() -> None:
    for status in (S.CLOSED, S.MERGED):
        p, _ = problem_in(status, start=at(2025, 1, 20, 8))
        assert _escalate(p, at(2025, 12, 30)) == []


def test_a_county_level_item_escalates_to_the_city_only() -> None:
    p = register(now=at(2025, 1, 20, 8), named=False, concerns_own_leader=True)
    Walk(p, at(2025, 1, 20, 9)).assign()
    assert p.level is Level.COUNTY
    assert _escalate(p, at(2025, 3, 10)) == []  # tier 1 would be the county itself
    assert [(e.tier, e.to_level) for e in _escalate(p, at(2025, 3, 14))] == [(2, Level.CITY)]


def test_tiers_are_configurable_and_duplicates_refused() -> None:
    policy = EscalationPolicy(tiers=(
        EscalationTier(tier=1, to_level=Level.COUNTY, overdue_days=2, reworks=None),
    ))
    p, _ = problem_in(S.ASSIGNED, start=at(2025, 1, 20, 8), named=False)
    assert escalate(p, policy=policy, cal=CAL, actor="s", now=at(2025, 3, 10)) == []
    assert len(escalate(p, policy=policy, cal=CAL, actor="s", now=at(2025, 3, 11))) == 1
    with pytest.raises(Conflict, match="already_escalated"):
        p.raise_escalation(tier=1, to_level=Level.COUNTY, to_area_code="350623",
                           reason=EscalationReason.OVERDUE, actor="s", now=at(2025, 3, 12))


def test_an_unstaffable_problem_goes_to_the_county_at_once_and_only_once() -> None:
    p = register(now=at(2025, 3, 3), named=False)
    events = escalate_now(p, policy=ESC, reason=EscalationReason.UNSTAFFABLE,
                          actor="pairing", now=at(2025, 3, 3, 11))
    assert [(e.tier, e.to_level, e.to_area_code, e.reason) for e in events
            if isinstance(e, Escalated)] == [(1, Level.COUNTY, "350623",
                                              EscalationReason.UNSTAFFABLE)]
    # the next unraised tier is the city; a repeat raises it, and then nothing is left
    again = escalate_now(p, policy=ESC, reason=EscalationReason.UNSTAFFABLE, actor="pairing",
                         now=at(2025, 3, 4))
    assert [e.tier for e in again if isinstance(e, Escalated)] == [2]
    assert escalate_now(p, policy=ESC, reason=EscalationReason.UNSTAFFABLE, actor="pairing",
                        now=at(2025, 3, 5)) == []
    assert fold(p.new_events) == p


def test_escalate_now_refuses_a_closed_problem() -> None:
    p, _ = problem_in(S.CLOSED, start=at(2025, 3, 3))
    with pytest.raises(Conflict, match="not_open"):
        escalate_now(p, policy=ESC, reason=EscalationReason.UNSTAFFABLE, actor="pairing",
                     now=at(2025, 4, 1))
