"""Past-tense facts about one problem (问题台账事件). Each names who did it and when.

A problem's timeline is the list of its events; its state is a pure fold over them
(`problem.fold`). Type strings are versioned: change a payload, add a `.v2` class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from .enums import (
    Category,
    ClockKind,
    DayUnit,
    Disposal,
    EscalationReason,
    Level,
    ReworkCause,
    Source,
)
from .evidence import Evidence, Recovery, Reviewer
from .places import Place
from .ratings import Rating
from .responsibility import DisciplinedPerson, RectificationPlan, ResponsiblePerson, Unit


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemEvent:
    problem_id: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemRegistered(ProblemEvent):
    """登记. `reporter_ref` is intake's opaque reference, never the reporter's identity."""

    type: Literal["ledger.problem.registered.v1"] = "ledger.problem.registered.v1"
    title: str
    category: Category
    source: Source
    place: Place
    level: Level
    reporter_ref: str | None = None
    named_reporter: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemTransferredUp(ProblemEvent):
    """提级: handed to the level above, which assigns it afresh."""

    type: Literal["ledger.problem.transferred_up.v1"] = "ledger.problem.transferred_up.v1"
    from_level: Level
    to_level: Level
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockStarted(ProblemEvent):
    type: Literal["ledger.problem.clock_started.v1"] = "ledger.problem.clock_started.v1"
    kind: ClockKind
    unit: DayUnit
    start: date
    days: int
    max_extension_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockStopped(ProblemEvent):
    type: Literal["ledger.problem.clock_stopped.v1"] = "ledger.problem.clock_stopped.v1"
    kind: ClockKind
    on: date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockPaused(ProblemEvent):
    """中止计时, approved."""

    type: Literal["ledger.problem.clock_paused.v1"] = "ledger.problem.clock_paused.v1"
    kind: ClockKind
    on: date
    reason: str
    approver: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockResumed(ProblemEvent):
    type: Literal["ledger.problem.clock_resumed.v1"] = "ledger.problem.clock_resumed.v1"
    kind: ClockKind
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockExtended(ProblemEvent):
    """延期, approved."""

    type: Literal["ledger.problem.clock_extended.v1"] = "ledger.problem.clock_extended.v1"
    kind: ClockKind
    on: date
    days: int
    reason: str
    approver: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemAssigned(ProblemEvent):
    """交办 (or re-assigned): responsibility to named people (责任到人)."""

    type: Literal["ledger.problem.assigned.v1"] = "ledger.problem.assigned.v1"
    responsible: tuple[ResponsiblePerson, ...]
    unit: Unit


@dataclass(frozen=True, slots=True, kw_only=True)
class RectificationPlanSet(ProblemEvent):
    type: Literal["ledger.problem.plan_set.v1"] = "ledger.problem.plan_set.v1"
    plan: RectificationPlan


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureCompleted(ProblemEvent):
    type: Literal["ledger.problem.measure_completed.v1"] = "ledger.problem.measure_completed.v1"
    measure_id: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceAdded(ProblemEvent):
    type: Literal["ledger.problem.evidence_added.v1"] = "ledger.problem.evidence_added.v1"
    evidence: Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class RectificationSubmitted(ProblemEvent):
    """整改完成, submitted for review; `claimed` is what the unit says this round recovered
    (rounds add up: a reworked item claims only what the rework recovered)."""

    type: Literal["ledger.problem.rectification_submitted.v1"] = (
        "ledger.problem.rectification_submitted.v1"
    )
    round: int
    summary: str
    claimed: Recovery


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewPassed(ProblemEvent):
    """检视通过 by an outsider; `verified` is the recovery the reviewer confirmed this round."""

    type: Literal["ledger.problem.review_passed.v1"] = "ledger.problem.review_passed.v1"
    reviewer: Reviewer
    verified: Recovery
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnedForRework(ProblemEvent):
    """退回重办."""

    type: Literal["ledger.problem.returned_for_rework.v1"] = (
        "ledger.problem.returned_for_rework.v1"
    )
    reason: str
    cause: ReworkCause
    rating_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemClosed(ProblemEvent):
    """销号."""

    type: Literal["ledger.problem.closed.v1"] = "ledger.problem.closed.v1"
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemReopened(ProblemEvent):
    """重新打开: the fix turned out not to be real."""

    type: Literal["ledger.problem.reopened.v1"] = "ledger.problem.reopened.v1"
    reason: str
    cause: ReworkCause
    rating_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemMerged(ProblemEvent):
    """合并: a duplicate folded into another problem (terminal)."""

    type: Literal["ledger.problem.merged.v1"] = "ledger.problem.merged.v1"
    into_problem_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateAttached(ProblemEvent):
    """The other side of a merge: this problem absorbed a duplicate."""

    type: Literal["ledger.problem.duplicate_attached.v1"] = "ledger.problem.duplicate_attached.v1"
    duplicate_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportAttached(ProblemEvent):
    """并案: another complaint reports the same problem (its reporter may rate it too)."""

    type: Literal["ledger.problem.report_attached.v1"] = "ledger.problem.report_attached.v1"
    reporter_ref: str
    named: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DisposalDecided(ProblemEvent):
    """处置: 谈话函询 / 初步核实 / 暂存待查 / 予以了结."""

    type: Literal["ledger.problem.disposal_decided.v1"] = "ledger.problem.disposal_decided.v1"
    disposal: Disposal
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rated(ProblemEvent):
    type: Literal["ledger.problem.rated.v1"] = "ledger.problem.rated.v1"
    rating: Rating


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingAppealed(ProblemEvent):
    type: Literal["ledger.problem.rating_appealed.v1"] = "ledger.problem.rating_appealed.v1"
    rating_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingAppealDecided(ProblemEvent):
    type: Literal["ledger.problem.rating_appeal_decided.v1"] = (
        "ledger.problem.rating_appeal_decided.v1"
    )
    rating_id: str
    upheld: bool
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalated(ProblemEvent):
    """督办 raised to a higher level (tier 1 = county, tier 2 = city, ...)."""

    type: Literal["ledger.problem.escalated.v1"] = "ledger.problem.escalated.v1"
    tier: int
    to_level: Level
    to_area_code: str
    reason: EscalationReason
    clock: ClockKind | None = None
    days_overdue: int = 0
    rework_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemTagged(ProblemEvent):
    """Tagged, e.g. with a quarterly theme (一季度一主题)."""

    type: Literal["ledger.problem.tagged.v1"] = "ledger.problem.tagged.v1"
    tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisciplineRecorded(ProblemEvent):
    """People held to account (查处) as a result of this problem: one case (起), n people (人)."""

    type: Literal["ledger.problem.discipline_recorded.v1"] = (
        "ledger.problem.discipline_recorded.v1"
    )
    people: tuple[DisciplinedPerson, ...]
    note: str = ""


AnyProblemEvent = (
    ProblemRegistered
    | ProblemTransferredUp
    | ClockStarted
    | ClockStopped
    | ClockPaused
    | ClockResumed
    | ClockExtended
    | ProblemAssigned
    | RectificationPlanSet
    | MeasureCompleted
    | EvidenceAdded
    | RectificationSubmitted
    | ReviewPassed
    | ReturnedForRework
    | ProblemClosed
    | ProblemReopened
    | ProblemMerged
    | DuplicateAttached
    | ReportAttached
    | DisposalDecided
    | Rated
    | RatingAppealed
    | RatingAppealDecided
    | Escalated
    | ProblemTagged
    | DisciplineRecorded
)
