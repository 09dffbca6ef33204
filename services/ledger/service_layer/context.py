"""What every ledger use case needs besides a session: the policies, the working calendar, the
class-of-case rules, division names and the clock, built once from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.ledger.adapters.calendar_tables import load_calendar
from services.ledger.adapters.divisions import Divisions
from services.ledger.domain.clocks import ClockPolicy
from services.ledger.domain.enums import Category, Level
from services.ledger.domain.escalation import EscalationPolicy, EscalationTier
from services.ledger.domain.ratings import ScorecardPolicy
from services.ledger.domain.workdays import WorkingCalendar
from services.ledger.settings import ClassRuleTemplate, LedgerSettings


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LedgerContext:
    clocks: ClockPolicy
    scorecard: ScorecardPolicy
    escalation: EscalationPolicy
    calendar: WorkingCalendar
    divisions: Divisions
    class_rules: tuple[ClassRuleTemplate, ...] = ()
    warning_working_days: int = 3
    sweep_batch: int = 200
    # HTTP commands and the sweep take "now" from here; consumers take it from the event.
    now: Callable[[], datetime] = field(default=wall_clock)


def context_from_settings(
    s: LedgerSettings, now: Callable[[], datetime] | None = None
) -> LedgerContext:
    clocks = ClockPolicy(
        rectification_working_days={Category(k): v for k, v in s.rectification_working_days.items()},
        default_rectification_working_days=s.default_rectification_working_days,
        rework_working_days=s.rework_working_days,
        acceptance_notice_working_days=s.acceptance_notice_working_days,
        result_notice_working_days=s.result_notice_working_days,
        forward_working_days=s.forward_working_days,
        petition_accept_days=s.petition_accept_days,
        petition_close_days=s.petition_close_days,
        petition_max_extension_days=s.petition_max_extension_days,
    )
    escalation = EscalationPolicy(tiers=(
        EscalationTier(tier=1, to_level=Level.COUNTY, overdue_days=0,
                       reworks=s.escalate_after_reworks),
        EscalationTier(tier=2, to_level=Level.CITY,
                       overdue_days=s.escalate_to_city_after_overdue_days, reworks=None),
    ))
    return LedgerContext(
        clocks=clocks,
        scorecard=ScorecardPolicy(dissatisfied_at_or_below=s.dissatisfied_at_or_below,
                                  satisfied_at_or_above=s.satisfied_at_or_above),
        escalation=escalation,
        calendar=load_calendar(s.calendar_dir),
        divisions=Divisions.load(s.divisions_dir),
        class_rules=tuple(s.class_of_case_rules),
        warning_working_days=s.deadline_warning_working_days,
        sweep_batch=s.sweep_batch,
        now=now or wall_clock,
    )
