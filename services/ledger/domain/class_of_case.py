"""From fixing one case to fixing the class (个案促改 → 类案促改).

When problems of one category or pattern turn up in at least N villages or M towns of a county
within a period, the county opens a class-of-case item with those problems as members. It has
its own lifecycle: opened 已立项 → measure_adopted 制度措施已出台 (e.g. a "10-item checklist for
special funds") → reviewed 已检视 → closed 已完结; a failed review sends it back to opened.
Detection is idempotent: one item per (county, rule, period); later matches attach as members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from .enums import Category, ClassOfCaseStatus, ProblemStatus
from .errors import Conflict, IllegalTransition, Invalid
from .period import Period, local_date
from .places import Place, check_code

C = ClassOfCaseStatus


# ---------------------------------------------------------------------------- candidates
class Classifiable(Protocol):
    """What class-of-case matching reads of a problem: a whole `Problem`, or the few columns a
    `ClassCandidate` carries (detection runs on every registration, over the county's period)."""

    @property
    def problem_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def category(self) -> Category: ...
    @property
    def status(self) -> ProblemStatus: ...
    @property
    def place(self) -> Place: ...
    @property
    def registered_on(self) -> date: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassCandidate:
    problem_id: str
    title: str
    category: Category
    status: ProblemStatus
    place: Place
    registered_on: date


# ---------------------------------------------------------------------------- rule
@dataclass(frozen=True, kw_only=True)
class ClassOfCaseRule:
    """When to open a class-of-case item. With both `category` and `keywords`, a problem must
    match both; a threshold left None is not used (at least one must be set)."""

    rule_id: str
    county_code: str
    label: str
    category: Category | None = None
    keywords: tuple[str, ...] = ()
    min_villages: int | None = None
    min_towns: int | None = None

    def __post_init__(self) -> None:
        check_code(self.county_code, 6, "county")
        if self.category is None and not self.keywords:
            raise Invalid("bad_rule", "a class-of-case rule needs a category or keywords")
        if self.min_villages is None and self.min_towns is None:
            raise Invalid("bad_rule", "set min_villages or min_towns")
        if any(n is not None and n < 2 for n in (self.min_villages, self.min_towns)):
            raise Invalid("bad_rule", "a class needs at least 2 places")

    def matches(self, p: Classifiable) -> bool:
        return (
            p.place.county_code == self.county_code
            and p.status is not ProblemStatus.MERGED
            and (self.category is None or p.category is self.category)
            and (not self.keywords or any(k in p.title for k in self.keywords))
        )


def class_case_id(rule: ClassOfCaseRule, period: Period) -> str:
    return f"class:{rule.county_code}:{rule.rule_id}:{period.start.isoformat()}"


# ---------------------------------------------------------------------------- events
@dataclass(frozen=True, slots=True, kw_only=True)
class ClassOfCaseEvent:
    case_id: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassOfCaseOpened(ClassOfCaseEvent):
    type: Literal["ledger.class_of_case.opened.v1"] = "ledger.class_of_case.opened.v1"
    rule_id: str
    county_code: str
    label: str
    category: Category | None
    keywords: tuple[str, ...]
    period_start: date
    period_end: date
    members: tuple[str, ...]
    village_count: int
    town_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassOfCaseMembersAttached(ClassOfCaseEvent):
    type: Literal["ledger.class_of_case.members_attached.v1"] = (
        "ledger.class_of_case.members_attached.v1"
    )
    members: tuple[str, ...]
    village_count: int
    town_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMeasureAdopted(ClassOfCaseEvent):
    """制度措施出台: the systemic fix, e.g. a checklist or a list of micro-powers."""

    type: Literal["ledger.class_of_case.measure_adopted.v1"] = (
        "ledger.class_of_case.measure_adopted.v1"
    )
    title: str
    document_ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassOfCaseReviewed(ClassOfCaseEvent):
    type: Literal["ledger.class_of_case.reviewed.v1"] = "ledger.class_of_case.reviewed.v1"
    passed: bool
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassOfCaseClosed(ClassOfCaseEvent):
    type: Literal["ledger.class_of_case.closed.v1"] = "ledger.class_of_case.closed.v1"
    note: str = ""


AnyClassOfCaseEvent = (
    ClassOfCaseOpened
    | ClassOfCaseMembersAttached
    | ClassMeasureAdopted
    | ClassOfCaseReviewed
    | ClassOfCaseClosed
)

_ALLOWED: dict[str, frozenset[ClassOfCaseStatus]] = {
    "adopt_measure": frozenset({C.OPENED}),
    "review": frozenset({C.MEASURE_ADOPTED}),
    "close": frozenset({C.REVIEWED}),
}


# ---------------------------------------------------------------------------- aggregate
@dataclass(frozen=True, slots=True, kw_only=True)
class SystemicMeasure:
    title: str
    document_ref: str
    adopted_on: date


@dataclass(kw_only=True)
class ClassOfCase:
    case_id: str
    rule_id: str
    county_code: str
    label: str
    category: Category | None
    keywords: tuple[str, ...]
    period: Period
    members: list[str]
    village_count: int
    town_count: int
    opened_on: date
    status: ClassOfCaseStatus = C.OPENED
    measure: SystemicMeasure | None = None
    reviews_failed: int = 0
    closed_on: date | None = None
    version: int = 0
    new_events: list[AnyClassOfCaseEvent] = field(default_factory=list, compare=False,
                                                  repr=False)

    def _check(self, command: str) -> None:
        allowed = _ALLOWED[command]
        if self.status not in allowed:
            raise IllegalTransition(command, self.status.value,
                                    frozenset(s.value for s in allowed))

    def _record(self, event: AnyClassOfCaseEvent) -> list[AnyClassOfCaseEvent]:
        apply_class(self, event)
        self.new_events.append(event)
        return [event]

    def adopt_measure(self, *, title: str, document_ref: str, actor: str, now: datetime
                      ) -> list[AnyClassOfCaseEvent]:
        self._check("adopt_measure")
        if not title.strip() or not document_ref.strip():
            raise Invalid("bad_measure", "a systemic measure needs a title and a document")
        return self._record(ClassMeasureAdopted(case_id=self.case_id, actor=actor, at=now,
                                                title=title, document_ref=document_ref))

    def review(self, *, passed: bool, actor: str, now: datetime, note: str = ""
               ) -> list[AnyClassOfCaseEvent]:
        """检视: passed -> reviewed; failed -> back to opened for a better measure."""
        self._check("review")
        if not passed and not note.strip():
            raise Invalid("missing_note", "say why the measure did not hold")
        return self._record(ClassOfCaseReviewed(case_id=self.case_id, actor=actor, at=now,
                                                passed=passed, note=note))

    def close(self, *, actor: str, now: datetime, note: str = "") -> list[AnyClassOfCaseEvent]:
        self._check("close")
        return self._record(ClassOfCaseClosed(case_id=self.case_id, actor=actor, at=now,
                                              note=note))

    def _apply(self, event: AnyClassOfCaseEvent) -> None:
        match event:
            case ClassOfCaseOpened():
                raise Conflict("already_opened", f"{self.case_id} is already open")
            case ClassOfCaseMembersAttached():
                self.members = sorted({*self.members, *event.members})
                self.village_count, self.town_count = event.village_count, event.town_count
            case ClassMeasureAdopted():
                self.measure = SystemicMeasure(title=event.title, document_ref=event.document_ref,
                                               adopted_on=local_date(event.at))
                self.status = C.MEASURE_ADOPTED
            case ClassOfCaseReviewed(passed=passed):
                if passed:
                    self.status = C.REVIEWED
                else:
                    self.reviews_failed += 1
                    self.status = C.OPENED
            case ClassOfCaseClosed():
                self.status = C.CLOSED
                self.closed_on = local_date(event.at)


def apply_class(state: ClassOfCase | None, event: AnyClassOfCaseEvent) -> ClassOfCase:
    """Same contract as `problem.apply`: mutates and returns; depends only on the events."""
    if state is None:
        if not isinstance(event, ClassOfCaseOpened):
            raise Invalid("not_opened", "first class-of-case event must be its opening")
        return ClassOfCase(
            case_id=event.case_id, rule_id=event.rule_id, county_code=event.county_code,
            label=event.label, category=event.category, keywords=event.keywords,
            period=Period(event.period_start, event.period_end), members=sorted(event.members),
            village_count=event.village_count, town_count=event.town_count,
            opened_on=local_date(event.at), version=1,
        )
    if event.case_id != state.case_id:
        raise Invalid("wrong_case", f"event for {event.case_id} applied to {state.case_id}")
    state._apply(event)
    state.version += 1
    return state


def fold_class(events: Iterable[AnyClassOfCaseEvent]) -> ClassOfCase:
    state: ClassOfCase | None = None
    for event in events:
        state = apply_class(state, event)
    if state is None:
        raise Invalid("no_events", "cannot fold an empty event stream")
    return state


# ---------------------------------------------------------------------------- detection
@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMatch:
    members: tuple[str, ...]
    villages: frozenset[str]
    towns: frozenset[str]

    def triggers(self, rule: ClassOfCaseRule) -> bool:
        return (rule.min_villages is not None and len(self.villages) >= rule.min_villages) or (
            rule.min_towns is not None and len(self.towns) >= rule.min_towns
        )


def match_class(problems: Iterable[Classifiable], rule: ClassOfCaseRule, period: Period
                ) -> ClassMatch:
    """Problems registered in the period that fit the rule, and the places they cover."""
    hits = [p for p in problems if period.contains(p.registered_on) and rule.matches(p)]
    return ClassMatch(
        members=tuple(sorted(p.problem_id for p in hits)),
        villages=frozenset(p.place.village_code for p in hits if p.place.village_code),
        towns=frozenset(p.place.town_code for p in hits),
    )


def detect_class_of_case(
    problems: Iterable[Classifiable], *, rule: ClassOfCaseRule, period: Period,
    existing: ClassOfCase | None, actor: str, now: datetime,
) -> ClassOfCase | None:
    """Open the class-of-case item when the rule triggers, or attach new members to the one
    already open for this (county, rule, period). Returns the aggregate with its `new_events`
    when something happened, else None. Pass `existing` looked up by `class_case_id`."""
    case_id = class_case_id(rule, period)
    if existing is not None and existing.case_id != case_id:
        raise Invalid("wrong_case", f"existing item {existing.case_id} is not {case_id}")
    found = match_class(problems, rule, period)
    if existing is not None:
        new = tuple(m for m in found.members if m not in set(existing.members))
        if not new:
            return None
        existing._record(ClassOfCaseMembersAttached(
            case_id=case_id, actor=actor, at=now, members=new,
            village_count=len(found.villages), town_count=len(found.towns)))
        return existing
    if not found.triggers(rule):
        return None
    opened = ClassOfCaseOpened(
        case_id=case_id, actor=actor, at=now, rule_id=rule.rule_id,
        county_code=rule.county_code, label=rule.label, category=rule.category,
        keywords=rule.keywords, period_start=period.start, period_end=period.end,
        members=found.members, village_count=len(found.villages), town_count=len(found.towns),
    )
    case = apply_class(None, opened)
    case.new_events.append(opened)
    return case


def extend_class_of_case(
    existing: ClassOfCase, registered: Classifiable, *, rule: ClassOfCaseRule, period: Period,
    village_count: int, town_count: int, actor: str, now: datetime,
) -> ClassOfCase | None:
    """The one-registration form of `detect_class_of_case` for an item that is already open:
    every earlier match was attached when it registered, so the problem just registered is the
    only possible new member. The counts are of the whole class with it (the adapters count them
    in the database rather than loading every member). A full detection (the county's
    `detect` command) still catches what this cannot see, say a rule whose keywords changed."""
    if existing.case_id != class_case_id(rule, period):
        raise Invalid("wrong_case", f"existing item {existing.case_id} is not for this rule")
    if (not period.contains(registered.registered_on) or not rule.matches(registered)
            or registered.problem_id in existing.members):
        return None
    existing._record(ClassOfCaseMembersAttached(
        case_id=existing.case_id, actor=actor, at=now, members=(registered.problem_id,),
        village_count=village_count, town_count=town_count))
    return existing
