"""The problem aggregate (问题台账条目): state, commands, and the fold over its events.

Commands validate against the lifecycle table and the rules, then record past-tense events;
`apply` is the only code that changes state, so `fold(events)` rebuilds exactly what the
commands produced (the replay and the content-hash comparison rely on this).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from . import lifecycle
from .clocks import Clock, ClockPolicy, ClockSpec, Extension, Pause
from .enums import (
    Category,
    ClockKind,
    Disposal,
    EscalationReason,
    Level,
    ProblemStatus,
    RaterKind,
    ReworkCause,
    Source,
    level_above,
)
from .errors import Conflict, Forbidden, Invalid
from .events import (
    AnyProblemEvent,
    ClockExtended,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockStopped,
    DisciplineRecorded,
    DisposalDecided,
    DuplicateAttached,
    Escalated,
    EvidenceAdded,
    MeasureCompleted,
    ProblemAssigned,
    ProblemClosed,
    ProblemMerged,
    ProblemRegistered,
    ProblemReopened,
    ProblemTagged,
    ProblemTransferredUp,
    Rated,
    RatingAppealDecided,
    RatingAppealed,
    RectificationPlanSet,
    RectificationSubmitted,
    ReportAttached,
    ReturnedForRework,
    ReviewPassed,
)
from .evidence import ZERO_RECOVERY, Evidence, Recovery, Reviewer
from .lifecycle import Command
from .period import local_date
from .places import Place
from .ratings import Appeal, Rating, ScorecardPolicy
from .responsibility import DisciplinedPerson, RectificationPlan, ResponsiblePerson, Unit
from .workdays import WorkingCalendar

S = ProblemStatus
SCORECARD_ACTOR = "system:scorecard"
"""Actor of the rework a dissatisfied reporter's rating triggers automatically."""
OWN_LEADER_REASON = "反映本级纪委领导班子成员的问题，直接报送上一级"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    on: date
    status: ProblemStatus


_WORKING = frozenset({S.REGISTERED, S.ASSIGNED, S.RECTIFYING})
_UNDER_REVIEW = frozenset({S.AWAITING_REVIEW, S.REVIEWED, S.CLOSED})


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """One status change, for statements: `before` is None for the registration itself."""

    on: date
    before: ProblemStatus | None
    after: ProblemStatus

    def is_rework(self) -> bool:
        return self.before in _UNDER_REVIEW and self.after in _WORKING

    def is_close(self) -> bool:
        return self.after is S.CLOSED

    def is_reopen(self) -> bool:
        return self.before is S.CLOSED and self.after is not S.CLOSED

    def is_merge(self) -> bool:
        return self.after is S.MERGED


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryEntry:
    """Recovery verified at a review, dated for statements (对账单)."""

    on: date
    recovery: Recovery


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingEntry:
    on: date
    rating: Rating


@dataclass(frozen=True, slots=True, kw_only=True)
class DisciplineEntry:
    on: date
    people: tuple[DisciplinedPerson, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRecord:
    tier: int
    to_level: Level
    to_area_code: str
    reason: EscalationReason
    on: date


def _require_text(value: str, what: str) -> None:
    if not value.strip():
        raise Invalid("missing_" + what, f"{what} must not be empty")


@dataclass(kw_only=True)
class Problem:
    problem_id: str
    title: str
    category: Category
    source: Source
    place: Place
    level: Level
    registered_at: datetime
    registered_on: date
    reporter_refs: list[str] = field(default_factory=list)  # intake's opaque refs (并案)
    named_reporter: bool = False
    status: ProblemStatus = S.REGISTERED
    history: list[StatusChange] = field(default_factory=list)
    responsible: tuple[ResponsiblePerson, ...] = ()
    unit: Unit | None = None
    plan: RectificationPlan | None = None
    completed_measures: list[str] = field(default_factory=list)
    disposal: Disposal | None = None
    clocks: dict[ClockKind, list[Clock]] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    round: int = 0
    claimed: Recovery = ZERO_RECOVERY
    reviewer: Reviewer | None = None
    recoveries: list[RecoveryEntry] = field(default_factory=list)
    rework_count: int = 0
    ratings: list[RatingEntry] = field(default_factory=list)
    appeals: dict[str, Appeal] = field(default_factory=dict)
    escalations: list[EscalationRecord] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    merged_into: str | None = None
    duplicates: list[str] = field(default_factory=list)
    discipline: list[DisciplineEntry] = field(default_factory=list)
    version: int = 0
    new_events: list[AnyProblemEvent] = field(default_factory=list, compare=False, repr=False)

    # ------------------------------------------------------------------ creation
    @classmethod
    def register(
        cls,
        *,
        problem_id: str,
        title: str,
        category: Category,
        source: Source,
        place: Place,
        actor: str,
        now: datetime,
        policy: ClockPolicy,
        level: Level = Level.TOWN,
        reporter_ref: str | None = None,
        named_reporter: bool = False,
        concerns_own_leader: bool = False,
    ) -> Problem:
        """登记. Starts the notice clocks the rules require; a problem about the handling
        commission's own leader goes straight to the level above (直接报送上一级)."""
        _require_text(problem_id, "problem_id")
        _require_text(title, "title")
        if named_reporter and not reporter_ref:
            raise Invalid("missing_reporter_ref", "a named reporter needs intake's reference")
        if concerns_own_leader and level_above(level) is None:
            raise Conflict("no_level_above", f"{level} has no level above to report to")
        today = local_date(now)
        registered = ProblemRegistered(
            problem_id=problem_id, actor=actor, at=now, title=title, category=category,
            source=source, place=place, level=level, reporter_ref=reporter_ref,
            named_reporter=named_reporter,
        )
        problem = cls._from_registered(registered)
        problem.version = 1
        problem.new_events.append(registered)
        starts: list[ClockKind] = []
        if named_reporter:
            starts.append(ClockKind.ACCEPTANCE_NOTICE)
        if source is Source.PETITION:
            starts += [ClockKind.PETITION_ACCEPT, ClockKind.PETITION_CLOSE]
        problem._record(*(problem._clock_started(policy.spec(k, category), actor, now, today)
                          for k in starts))
        if concerns_own_leader:
            problem.transfer_up(reason=OWN_LEADER_REASON, actor=actor, now=now)
        return problem

    @classmethod
    def _from_registered(cls, e: ProblemRegistered) -> Problem:
        on = local_date(e.at)
        return cls(
            problem_id=e.problem_id, title=e.title, category=e.category, source=e.source,
            place=e.place, level=e.level, registered_at=e.at, registered_on=on,
            reporter_refs=[e.reporter_ref] if e.reporter_ref else [],
            named_reporter=e.named_reporter,
            history=[StatusChange(on=on, status=S.REGISTERED)],
        )

    # ------------------------------------------------------------------ queries
    def clock(self, kind: ClockKind) -> Clock | None:
        """The current (latest) clock of a kind; earlier ones stay in `clocks` for history."""
        runs = self.clocks.get(kind)
        return runs[-1] if runs else None

    def running_clock(self, kind: ClockKind) -> Clock | None:
        c = self.clock(kind)
        return c if c is not None and c.stopped_on is None else None

    def running_clocks(self) -> list[Clock]:
        return [runs[-1] for _, runs in sorted(self.clocks.items()) if runs[-1].stopped_on is None]

    def clock_on(self, kind: ClockKind, day: date) -> Clock | None:
        """The clock of a kind that applied on `day` (the latest one started by then)."""
        current = None
        for c in self.clocks.get(kind, ()):
            if c.start <= day:
                current = c
        return current

    def status_on(self, day: date) -> ProblemStatus | None:
        """Status at the end of `day`; None before registration."""
        status = None
        for change in self.history:
            if change.on > day:
                break
            status = change.status
        return status

    def transitions(self) -> list[Transition]:
        before: ProblemStatus | None = None
        out = []
        for change in self.history:
            out.append(Transition(on=change.on, before=before, after=change.status))
            before = change.status
        return out

    def is_overdue(self, cal: WorkingCalendar, on: date) -> bool:
        return any(self.overdue_clocks(cal, on))

    def overdue_clocks(self, cal: WorkingCalendar, on: date) -> list[Clock]:
        found = []
        for kind in sorted(self.clocks):
            c = self.clock_on(kind, on)
            if c is not None and c.is_overdue(cal, on):
                found.append(c)
        return found

    def is_open(self) -> bool:
        return self.status in lifecycle.OPEN

    def responsible_ids(self) -> frozenset[str]:
        return frozenset(p.person_id for p in self.responsible)

    def recovered(self) -> Recovery:
        total = ZERO_RECOVERY
        for entry in self.recoveries:
            total = total + entry.recovery
        return total

    # ------------------------------------------------------------------ responsibility
    def assign(
        self, *, responsible: tuple[ResponsiblePerson, ...], unit: Unit, actor: str,
        now: datetime, policy: ClockPolicy,
    ) -> list[AnyProblemEvent]:
        """交办 / 重新交办: named responsible people and unit. The first assignment starts the
        rectification clock."""
        lifecycle.check(Command.ASSIGN, self.status)
        if not responsible:
            raise Invalid("missing_responsible", "at least one responsible person (责任人)")
        ids = [p.person_id for p in responsible]
        if len(set(ids)) != len(ids):
            raise Invalid("duplicate_responsible", "a person is listed twice")
        if sum(p.lead for p in responsible) > 1:
            raise Invalid("several_leads", "only one lead responsible person (第一责任人)")
        events: list[AnyProblemEvent] = [ProblemAssigned(
            problem_id=self.problem_id, actor=actor, at=now, responsible=responsible, unit=unit
        )]
        if self.running_clock(ClockKind.RECTIFICATION) is None:
            spec = policy.spec(ClockKind.RECTIFICATION, self.category)
            events.append(self._clock_started(spec, actor, now, local_date(now)))
        return self._record(*events)

    def set_plan(
        self, *, plan: RectificationPlan, actor: str, now: datetime, cal: WorkingCalendar
    ) -> list[AnyProblemEvent]:
        """整改方案: its final due date must fall within the rectification clock (倒排时间)."""
        lifecycle.check(Command.SET_PLAN, self.status)
        today = local_date(now)
        if plan.due < today:
            raise Invalid("plan_in_past", f"plan due {plan.due} is before today {today}")
        clock = self.running_clock(ClockKind.RECTIFICATION)
        limit = clock.due(cal) if clock is not None else None
        if limit is not None and plan.due > limit:
            raise Conflict(
                "plan_beyond_deadline",
                f"plan due {plan.due} is after the rectification deadline {limit}",
            )
        return self._record(RectificationPlanSet(
            problem_id=self.problem_id, actor=actor, at=now, plan=plan
        ))

    def complete_measure(
        self, *, measure_id: str, actor: str, now: datetime, note: str = ""
    ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.COMPLETE_MEASURE, self.status)
        assert self.plan is not None  # rectifying always has a plan
        if measure_id not in self.plan.measure_ids():
            raise Invalid("unknown_measure", f"no measure {measure_id!r} in the plan")
        if measure_id in self.completed_measures:
            raise Conflict("measure_already_completed", f"measure {measure_id!r} is done")
        return self._record(MeasureCompleted(
            problem_id=self.problem_id, actor=actor, at=now, measure_id=measure_id, note=note
        ))

    # ------------------------------------------------------------------ rectify, review, close
    def add_evidence(
        self, *, evidence: Evidence, actor: str, now: datetime
    ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.ADD_EVIDENCE, self.status)
        if any(e.evidence_id == evidence.evidence_id for e in self.evidence):
            raise Conflict("duplicate_evidence", f"evidence {evidence.evidence_id} is attached")
        return self._record(EvidenceAdded(
            problem_id=self.problem_id, actor=actor, at=now, evidence=evidence
        ))

    def submit_rectification(
        self, *, summary: str, actor: str, now: datetime, claimed: Recovery = ZERO_RECOVERY
    ) -> list[AnyProblemEvent]:
        """整改完成, for review: every measure done and at least one piece of evidence."""
        lifecycle.check(Command.SUBMIT, self.status)
        _require_text(summary, "summary")
        assert self.plan is not None
        missing = sorted(self.plan.measure_ids() - set(self.completed_measures))
        if missing:
            raise Conflict("measures_incomplete", f"measures not done: {missing}")
        if not self.evidence:
            raise Conflict("evidence_required", "submit evidence (佐证材料) with the rectification")
        events: list[AnyProblemEvent] = [RectificationSubmitted(
            problem_id=self.problem_id, actor=actor, at=now, round=self.round + 1,
            summary=summary, claimed=claimed,
        )]
        events += self._stops([ClockKind.RECTIFICATION], "submitted for review", actor, now)
        return self._record(*events)

    def pass_review(
        self, *, reviewer: Reviewer, actor: str, now: datetime,
        verified: Recovery = ZERO_RECOVERY, note: str = "",
    ) -> list[AnyProblemEvent]:
        """检视通过. The reviewer must come from outside the problem's town (熟人社会: nobody
        signs off their own acquaintances' work) and must not be responsible for it."""
        lifecycle.check(Command.PASS_REVIEW, self.status)
        if reviewer.town_code == self.place.town_code:
            raise Forbidden(
                "reviewer_same_town",
                f"reviewer {reviewer.person_id} belongs to the problem's town {reviewer.town_code}",
            )
        if reviewer.person_id in self.responsible_ids():
            raise Forbidden("reviewer_is_responsible", "a responsible person cannot review")
        if (verified.yuan > self.claimed.yuan or verified.mu > self.claimed.mu
                or verified.contracts > self.claimed.contracts):
            raise Conflict("verified_exceeds_claimed", "cannot verify more than was claimed")
        return self._record(ReviewPassed(
            problem_id=self.problem_id, actor=actor, at=now, reviewer=reviewer,
            verified=verified, note=note,
        ))

    def return_for_rework(
        self, *, reason: str, actor: str, now: datetime, policy: ClockPolicy,
        cause: ReworkCause = ReworkCause.REVIEW,
    ) -> list[AnyProblemEvent]:
        """退回重办: counts as a rework and starts a fresh rectification clock."""
        lifecycle.check(Command.RETURN_FOR_REWORK, self.status)
        _require_text(reason, "reason")
        return self._record(*self._rework_events(reason, cause, None, actor, now, policy))

    def close(self, *, actor: str, now: datetime, policy: ClockPolicy, note: str = ""
              ) -> list[AnyProblemEvent]:
        """销号: only after a passed review and against evidence (对账销号)."""
        lifecycle.check(Command.CLOSE, self.status)
        if not self.evidence:
            raise Conflict("evidence_required", "an item is struck off only against evidence")
        events: list[AnyProblemEvent] = [ProblemClosed(
            problem_id=self.problem_id, actor=actor, at=now, note=note
        )]
        done = [ClockKind.RECTIFICATION, ClockKind.PETITION_CLOSE, ClockKind.FORWARD]
        events += self._stops(done, "closed", actor, now)
        if self.named_reporter:
            spec = policy.spec(ClockKind.RESULT_NOTICE, self.category)
            events.append(self._clock_started(spec, actor, now, local_date(now)))
        return self._record(*events)

    def reopen(
        self, *, reason: str, actor: str, now: datetime, policy: ClockPolicy,
        cause: ReworkCause = ReworkCause.SUPERVISION,
    ) -> list[AnyProblemEvent]:
        """重新打开 a closed item whose fix was not real; counts as a rework."""
        lifecycle.check(Command.REOPEN, self.status)
        _require_text(reason, "reason")
        return self._record(*self._rework_events(reason, cause, None, actor, now, policy))

    def _rework_events(
        self, reason: str, cause: ReworkCause, rating_id: str | None, actor: str,
        now: datetime, policy: ClockPolicy,
    ) -> list[AnyProblemEvent]:
        events: list[AnyProblemEvent]
        if self.status is S.CLOSED:
            events = [ProblemReopened(problem_id=self.problem_id, actor=actor, at=now,
                                      reason=reason, cause=cause, rating_id=rating_id)]
        else:
            events = [ReturnedForRework(problem_id=self.problem_id, actor=actor, at=now,
                                        reason=reason, cause=cause, rating_id=rating_id)]
        target = lifecycle.rework_target(self.plan is not None, bool(self.responsible))
        if target is not S.REGISTERED:
            events += self._stops([ClockKind.RECTIFICATION], "rework", actor, now)
            events.append(self._clock_started(policy.rework_spec(), actor, now, local_date(now)))
        return events

    # ------------------------------------------------------------------ merge, transfer, dispose
    def merge_into(self, *, into_problem_id: str, actor: str, now: datetime
                   ) -> list[AnyProblemEvent]:
        """合并 as a duplicate of another problem; the caller records `attach_duplicate` there."""
        lifecycle.check(Command.MERGE, self.status)
        if into_problem_id == self.problem_id:
            raise Invalid("merge_into_self", "a problem cannot be a duplicate of itself")
        events: list[AnyProblemEvent] = [ProblemMerged(
            problem_id=self.problem_id, actor=actor, at=now, into_problem_id=into_problem_id
        )]
        events += self._stops(list(self.clocks), "merged", actor, now)
        return self._record(*events)

    def attach_duplicate(self, *, duplicate_id: str, actor: str, now: datetime
                         ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.ATTACH_DUPLICATE, self.status)
        if duplicate_id == self.problem_id:
            raise Invalid("merge_into_self", "a problem cannot be a duplicate of itself")
        if duplicate_id in self.duplicates:
            raise Conflict("duplicate_already_attached", f"{duplicate_id} is already attached")
        return self._record(DuplicateAttached(
            problem_id=self.problem_id, actor=actor, at=now, duplicate_id=duplicate_id
        ))

    def attach_report(self, *, reporter_ref: str, named: bool, actor: str, now: datetime
                      ) -> list[AnyProblemEvent]:
        """并案: another complaint about the same problem; its reporter may rate it too.
        Idempotent per reporter, so a replayed complaint records nothing."""
        lifecycle.check(Command.ATTACH_REPORT, self.status)
        _require_text(reporter_ref, "reporter_ref")
        if reporter_ref in self.reporter_refs:
            return []
        return self._record(ReportAttached(problem_id=self.problem_id, actor=actor, at=now,
                                           reporter_ref=reporter_ref, named=named))

    def transfer_up(self, *, reason: str, actor: str, now: datetime) -> list[AnyProblemEvent]:
        """提级: the level above takes the problem over and assigns it afresh."""
        lifecycle.check(Command.TRANSFER_UP, self.status)
        _require_text(reason, "reason")
        above = level_above(self.level)
        if above is None:
            raise Conflict("no_level_above", f"{self.level} has no level above")
        events: list[AnyProblemEvent] = [ProblemTransferredUp(
            problem_id=self.problem_id, actor=actor, at=now, from_level=self.level,
            to_level=above, reason=reason,
        )]
        events += self._stops([ClockKind.FORWARD, ClockKind.RECTIFICATION], "transferred up",
                              actor, now)
        return self._record(*events)

    def dispose(self, *, disposal: Disposal, actor: str, now: datetime, note: str = ""
                ) -> list[AnyProblemEvent]:
        """处置 under 检举控告工作规则: 谈话函询 and 初步核实 keep the item in hand (and take it
        out of 暂存待查); 暂存待查 parks it; 予以了结 sends the conclusion to review."""
        lifecycle.check(Command.DISPOSE, self.status)
        if disposal is self.disposal:
            raise Conflict("disposal_unchanged", f"already disposed as {disposal}")
        if disposal is Disposal.CONCLUDED:
            _require_text(note, "note")
        events: list[AnyProblemEvent] = [DisposalDecided(
            problem_id=self.problem_id, actor=actor, at=now, disposal=disposal, note=note
        )]
        if disposal is Disposal.CONCLUDED:
            events += self._stops([ClockKind.RECTIFICATION], "concluded", actor, now)
        return self._record(*events)

    # ------------------------------------------------------------------ scorecards
    def rate(
        self, *, rating_id: str, rater_kind: RaterKind, rater_id: str, score: int,
        resolved: bool, actor: str, now: datetime, scorecard: ScorecardPolicy,
        policy: ClockPolicy, comment: str = "",
    ) -> list[AnyProblemEvent]:
        """成绩单: rate the current round 1-5 and say whether it is actually resolved.
        A dissatisfied reporter sends the problem back automatically: returned for rework
        before closure, reopened after it."""
        lifecycle.check(Command.RATE, self.status)
        rating = Rating(rating_id=rating_id, rater_kind=rater_kind, rater_id=rater_id,
                        score=score, resolved=resolved, round=self.round, comment=comment)
        if rater_kind is RaterKind.REPORTER and rater_id not in self.reporter_refs:
            raise Forbidden("not_the_reporter", "only a reporter of this problem rates as one")
        for entry in self.ratings:
            r = entry.rating
            if r.rating_id == rating.rating_id:
                raise Conflict("duplicate_rating", f"rating {rating.rating_id} exists")
            if (r.rater_kind, r.rater_id, r.round) == (
                rating.rater_kind, rating.rater_id, rating.round
            ):
                raise Conflict("already_rated", "this rater already rated this round")
        events: list[AnyProblemEvent] = [Rated(
            problem_id=self.problem_id, actor=actor, at=now, rating=rating
        )]
        if rating.rater_kind is RaterKind.REPORTER and scorecard.is_dissatisfied(rating.score):
            reason = f"群众评价不满意 ({rating.score}/5)"
            events += self._rework_events(reason, ReworkCause.RATING, rating.rating_id,
                                          SCORECARD_ACTOR, now, policy)
        return self._record(*events)

    def _rating(self, rating_id: str) -> Rating:
        for entry in self.ratings:
            if entry.rating.rating_id == rating_id:
                return entry.rating
        raise Invalid("unknown_rating", f"no rating {rating_id!r} on this problem")

    def appeal_rating(
        self, *, rating_id: str, reason: str, actor: str, now: datetime,
        scorecard: ScorecardPolicy,
    ) -> list[AnyProblemEvent]:
        """申诉: the unit contests a bad rating (12345 practice)."""
        lifecycle.check(Command.APPEAL_RATING, self.status)
        _require_text(reason, "reason")
        rating = self._rating(rating_id)
        if not scorecard.is_dissatisfied(rating.score):
            raise Conflict("rating_not_appealable", "only a dissatisfied rating can be appealed")
        if rating_id in self.appeals:
            raise Conflict("already_appealed", f"rating {rating_id} was already appealed")
        return self._record(RatingAppealed(
            problem_id=self.problem_id, actor=actor, at=now, rating_id=rating_id, reason=reason
        ))

    def decide_appeal(
        self, *, rating_id: str, upheld: bool, actor: str, now: datetime, note: str = ""
    ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.DECIDE_APPEAL, self.status)
        appeal = self.appeals.get(rating_id)
        if appeal is None or appeal.upheld is not None:
            raise Conflict("no_pending_appeal", f"no undecided appeal on rating {rating_id}")
        return self._record(RatingAppealDecided(
            problem_id=self.problem_id, actor=actor, at=now, rating_id=rating_id,
            upheld=upheld, note=note,
        ))

    def counted_ratings(self) -> list[RatingEntry]:
        """Ratings that count in the figures: those not struck out by an upheld appeal."""
        return [e for e in self.ratings
                if not (a := self.appeals.get(e.rating.rating_id)) or a.upheld is not True]

    # ------------------------------------------------------------------ escalation, tags
    def raise_escalation(
        self, *, tier: int, to_level: Level, to_area_code: str, reason: EscalationReason,
        actor: str, now: datetime, clock: ClockKind | None = None, days_overdue: int = 0,
    ) -> list[AnyProblemEvent]:
        """督办 at a tier; each tier is raised once. `escalation.escalate` decides which."""
        lifecycle.check(Command.ESCALATE, self.status)
        if any(e.tier == tier for e in self.escalations):
            raise Conflict("already_escalated", f"tier {tier} was already escalated")
        return self._record(Escalated(
            problem_id=self.problem_id, actor=actor, at=now, tier=tier, to_level=to_level,
            to_area_code=to_area_code, reason=reason, clock=clock, days_overdue=days_overdue,
            rework_count=self.rework_count,
        ))

    def tag(self, *, tag: str, actor: str, now: datetime) -> list[AnyProblemEvent]:
        """Idempotent: tagging twice records nothing the second time."""
        lifecycle.check(Command.TAG, self.status)
        _require_text(tag, "tag")
        if tag in self.tags:
            return []
        return self._record(ProblemTagged(problem_id=self.problem_id, actor=actor, at=now,
                                          tag=tag))

    def record_discipline(
        self, *, people: tuple[DisciplinedPerson, ...], actor: str, now: datetime,
        note: str = "",
    ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.RECORD_DISCIPLINE, self.status)
        if not people:
            raise Invalid("missing_people", "record at least one person held to account")
        return self._record(DisciplineRecorded(
            problem_id=self.problem_id, actor=actor, at=now, people=people, note=note
        ))

    # ------------------------------------------------------------------ clocks
    def start_clock(self, *, kind: ClockKind, actor: str, now: datetime, policy: ClockPolicy
                    ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.START_CLOCK, self.status)
        if self.running_clock(kind) is not None:
            raise Conflict("clock_running", f"a {kind} clock is already running")
        spec = policy.spec(kind, self.category)
        return self._record(self._clock_started(spec, actor, now, local_date(now)))

    def stop_clock(self, *, kind: ClockKind, reason: str, actor: str, now: datetime
                   ) -> list[AnyProblemEvent]:
        """E.g. the acceptance notice was delivered (受理告知已送达)."""
        lifecycle.check(Command.STOP_CLOCK, self.status)
        _require_text(reason, "reason")
        if self.running_clock(kind) is None:
            raise Conflict("clock_not_running", f"no running {kind} clock")
        return self._record(ClockStopped(problem_id=self.problem_id, actor=actor, at=now,
                                         kind=kind, on=local_date(now), reason=reason))

    def _approved_change_checks(
        self, kind: ClockKind, reason: str, approver: str, actor: str, today: date,
        cal: WorkingCalendar,
    ) -> Clock:
        _require_text(reason, "reason")
        _require_text(approver, "approver")
        if approver == actor:
            raise Forbidden("self_approval", "the approver must be someone other than the actor")
        clock = self.running_clock(kind)
        if clock is None:
            raise Conflict("clock_not_running", f"no running {kind} clock")
        if clock.open_pause() is not None:
            raise Conflict("clock_paused", f"the {kind} clock is paused")
        if clock.is_overdue(cal, today):
            raise Conflict("clock_overdue", f"the {kind} clock is already overdue")
        return clock

    def pause_clock(
        self, *, kind: ClockKind, reason: str, approver: str, actor: str, now: datetime,
        cal: WorkingCalendar,
    ) -> list[AnyProblemEvent]:
        """中止计时 from today; paused days do not count. Must be approved before the deadline."""
        lifecycle.check(Command.PAUSE_CLOCK, self.status)
        today = local_date(now)
        self._approved_change_checks(kind, reason, approver, actor, today, cal)
        return self._record(ClockPaused(problem_id=self.problem_id, actor=actor, at=now,
                                        kind=kind, on=today, reason=reason, approver=approver))

    def resume_clock(self, *, kind: ClockKind, actor: str, now: datetime
                     ) -> list[AnyProblemEvent]:
        lifecycle.check(Command.RESUME_CLOCK, self.status)
        clock = self.running_clock(kind)
        if clock is None or clock.open_pause() is None:
            raise Conflict("clock_not_paused", f"the {kind} clock is not paused")
        return self._record(ClockResumed(problem_id=self.problem_id, actor=actor, at=now,
                                         kind=kind, on=local_date(now)))

    def extend_clock(
        self, *, kind: ClockKind, days: int, reason: str, approver: str, actor: str,
        now: datetime, cal: WorkingCalendar,
    ) -> list[AnyProblemEvent]:
        """延期 within the clock's limit (信访: at most 30 days), approved before the deadline."""
        lifecycle.check(Command.EXTEND_CLOCK, self.status)
        if days <= 0:
            raise Invalid("bad_extension", "an extension is a positive number of days")
        today = local_date(now)
        clock = self._approved_change_checks(kind, reason, approver, actor, today, cal)
        cap = clock.max_extension_days
        if cap is not None and clock.extension_days() + days > cap:
            raise Conflict("extension_limit",
                           f"{kind} may be extended by at most {cap} days in total")
        return self._record(ClockExtended(problem_id=self.problem_id, actor=actor, at=now,
                                          kind=kind, on=today, days=days, reason=reason,
                                          approver=approver))

    # ------------------------------------------------------------------ helpers
    def _clock_started(self, spec: ClockSpec, actor: str, now: datetime, start: date
                       ) -> ClockStarted:
        return ClockStarted(problem_id=self.problem_id, actor=actor, at=now, kind=spec.kind,
                            unit=spec.unit, start=start, days=spec.days,
                            max_extension_days=spec.max_extension_days)

    def _stops(self, kinds: list[ClockKind], reason: str, actor: str, now: datetime
               ) -> list[AnyProblemEvent]:
        return [ClockStopped(problem_id=self.problem_id, actor=actor, at=now, kind=k,
                             on=local_date(now), reason=reason)
                for k in kinds if self.running_clock(k) is not None]

    def _record(self, *events: AnyProblemEvent) -> list[AnyProblemEvent]:
        for event in events:
            apply(self, event)
            self.new_events.append(event)
        return list(events)

    def _set_status(self, status: ProblemStatus, at: datetime) -> None:
        self.status = status
        self.history.append(StatusChange(on=local_date(at), status=status))

    def _update_clock(self, kind: ClockKind, clock: Clock) -> None:
        self.clocks[kind][-1] = clock

    def _back_to_work(self, at: datetime) -> None:
        self.rework_count += 1
        self.reviewer = None
        self.completed_measures = []
        self._set_status(lifecycle.rework_target(self.plan is not None, bool(self.responsible)),
                         at)

    def _apply(self, event: AnyProblemEvent) -> None:
        match event:
            case ProblemRegistered():
                raise Conflict("already_registered", f"{self.problem_id} is registered")
            case ProblemTransferredUp(to_level=to_level):
                self.level = to_level
                self.responsible, self.unit, self.plan = (), None, None
                self.completed_measures, self.disposal = [], None
                self._set_status(S.REGISTERED, event.at)
            case ClockStarted():
                clock = Clock(kind=event.kind, unit=event.unit, start=event.start,
                              days=event.days, max_extension_days=event.max_extension_days)
                self.clocks.setdefault(event.kind, []).append(clock)
            case ClockStopped(kind=kind, on=on):
                self._update_clock(kind, self.clocks[kind][-1].stopped(on))
            case ClockPaused(kind=kind):
                pause = Pause(start=event.on, reason=event.reason, approver=event.approver)
                self._update_clock(kind, self.clocks[kind][-1].paused(pause))
            case ClockResumed(kind=kind, on=on):
                self._update_clock(kind, self.clocks[kind][-1].resumed(on))
            case ClockExtended(kind=kind):
                ext = Extension(granted_on=event.on, days=event.days, reason=event.reason,
                                approver=event.approver)
                self._update_clock(kind, self.clocks[kind][-1].extended(ext))
            case ProblemAssigned(responsible=responsible, unit=unit):
                self.responsible, self.unit = responsible, unit
                if self.status is S.REGISTERED:
                    self._set_status(S.ASSIGNED, event.at)
            case RectificationPlanSet(plan=plan):
                self.plan = plan
                keep = plan.measure_ids()
                self.completed_measures = [m for m in self.completed_measures if m in keep]
                if self.status is not S.RECTIFYING:
                    self._set_status(S.RECTIFYING, event.at)
            case MeasureCompleted(measure_id=measure_id):
                self.completed_measures = sorted({*self.completed_measures, measure_id})
            case EvidenceAdded(evidence=evidence):
                self.evidence.append(evidence)
            case RectificationSubmitted(round=round_, claimed=claimed):
                self.round, self.claimed = round_, claimed
                self._set_status(S.AWAITING_REVIEW, event.at)
            case ReviewPassed(reviewer=reviewer, verified=verified):
                self.reviewer = reviewer
                if not verified.is_zero():
                    self.recoveries.append(RecoveryEntry(on=local_date(event.at),
                                                         recovery=verified))
                self._set_status(S.REVIEWED, event.at)
            case ReturnedForRework() | ProblemReopened():
                self._back_to_work(event.at)
            case ProblemClosed():
                self._set_status(S.CLOSED, event.at)
            case ProblemMerged(into_problem_id=into):
                self.merged_into = into
                self._set_status(S.MERGED, event.at)
            case DuplicateAttached(duplicate_id=dup):
                self.duplicates.append(dup)
            case ReportAttached(reporter_ref=ref, named=named):
                self.reporter_refs.append(ref)
                self.named_reporter = self.named_reporter or named
            case DisposalDecided(disposal=disposal):
                self._apply_disposal(disposal, event.at)
            case Rated(rating=rating):
                self.ratings.append(RatingEntry(on=local_date(event.at), rating=rating))
            case RatingAppealed(rating_id=rid, reason=reason):
                self.appeals[rid] = Appeal(rating_id=rid, reason=reason)
            case RatingAppealDecided(rating_id=rid, upheld=upheld):
                self.appeals[rid] = replace(self.appeals[rid], upheld=upheld)
            case Escalated():
                self.escalations.append(EscalationRecord(
                    tier=event.tier, to_level=event.to_level, to_area_code=event.to_area_code,
                    reason=event.reason, on=local_date(event.at)))
            case ProblemTagged(tag=tag):
                self.tags = sorted({*self.tags, tag})
            case DisciplineRecorded(people=people):
                self.discipline.append(DisciplineEntry(on=local_date(event.at), people=people))

    def _apply_disposal(self, disposal: Disposal, at: datetime) -> None:
        self.disposal = disposal
        if disposal is Disposal.FILED_PENDING:
            self._set_status(S.FILED_PENDING, at)
        elif disposal is Disposal.CONCLUDED:
            self._set_status(S.AWAITING_REVIEW, at)
        elif self.status is S.FILED_PENDING:
            self._set_status(S.ASSIGNED if self.responsible else S.REGISTERED, at)


def apply(state: Problem | None, event: AnyProblemEvent) -> Problem:
    """Apply one event. Mutates and returns `state` (cheap for a rebuild of millions of
    events); the result depends only on the events, never on a clock or a policy."""
    if state is None:
        if not isinstance(event, ProblemRegistered):
            raise Invalid("not_registered", f"first event must be a registration, got {event}")
        problem = Problem._from_registered(event)
        problem.version = 1
        return problem
    if event.problem_id != state.problem_id:
        raise Invalid("wrong_problem", f"event for {event.problem_id} applied to "
                      f"{state.problem_id}")
    state._apply(event)
    state.version += 1
    return state


def fold(events: Iterable[AnyProblemEvent]) -> Problem:
    """Rebuild a problem from its events (the replay's projection)."""
    state: Problem | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise Invalid("no_events", "cannot fold an empty event stream")
    return state
