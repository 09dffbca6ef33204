"""Request bodies of the ledger's routes: every field bounded, nothing extra accepted; each
body turns itself into the domain's values (whose own checks raise `Invalid` → 422)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.ledger.domain.enums import (
    Category,
    DisciplineMeasure,
    Disposal,
    EvidenceKind,
    Level,
)
from services.ledger.domain.evidence import Evidence, Recovery, Reviewer
from services.ledger.domain.responsibility import (
    DisciplinedPerson,
    Measure,
    RectificationPlan,
    ResponsiblePerson,
    Unit,
)

from .deps import ID_PATTERN

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=15, decimal_places=2)]
TownCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ registration
class RegisterIn(Body):
    """登记 by the commission itself: a special campaign (专项监督), an inspection (巡察) or a
    household visit (入户访查) found it. Citizens' reports come through intake."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    category: Category
    source: Literal["special_campaign", "inspection", "household_visit"]
    place_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}([0-9]{3})?$")]
    level: Level = Level.TOWN
    concerns_own_leader: bool = False
    subject_name: Name | None = None
    subject_unit: Name | None = None


# ------------------------------------------------------------------ responsibility
class PersonIn(Body):
    person_id: Id
    name: Name
    role: Name
    lead: bool = False

    def to_domain(self) -> ResponsiblePerson:
        return ResponsiblePerson(person_id=self.person_id, name=self.name, role=self.role,
                                 lead=self.lead)


class UnitIn(Body):
    unit_id: Id
    name: Name

    def to_domain(self) -> Unit:
        return Unit(unit_id=self.unit_id, name=self.name)


class AssignIn(Body):
    """交办: responsible people (责任到人), one of them the lead, and the responsible unit."""

    responsible: list[PersonIn] = Field(min_length=1, max_length=20)
    unit: UnitIn


class MeasureIn(Body):
    measure_id: Id
    description: Text
    due: date

    def to_domain(self) -> Measure:
        return Measure(measure_id=self.measure_id, description=self.description, due=self.due)


class BackwardStepIn(Body):
    description: Text
    working_days_before: int = Field(ge=0, le=250)


class PlanIn(Body):
    """整改方案: either the measures with their dates, or the steps to schedule backwards
    from the final due date (倒排时间: each N working days before it)."""

    due: date
    measures: list[MeasureIn] | None = Field(default=None, min_length=1, max_length=50)
    backwards: list[BackwardStepIn] | None = Field(default=None, min_length=1, max_length=50)

    @model_validator(mode="after")
    def _one_way(self) -> PlanIn:
        if (self.measures is None) == (self.backwards is None):
            raise ValueError("give either measures or backwards steps")
        return self

    def explicit(self) -> RectificationPlan | None:
        if self.measures is None:
            return None
        return RectificationPlan(measures=tuple(m.to_domain() for m in self.measures),
                                 due=self.due)

    def steps(self) -> dict[str, int]:
        return {s.description: s.working_days_before for s in self.backwards or ()}


class NoteIn(Body):
    note: Note = ""


# ------------------------------------------------------------------ rectify, review, close
class EvidenceIn(Body):
    evidence_id: Id
    kind: EvidenceKind
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    description: Text

    def to_domain(self) -> Evidence:
        return Evidence(evidence_id=self.evidence_id, kind=self.kind, sha256=self.sha256,
                        description=self.description)


class RecoveryIn(Body):
    """收回资金 (元), 收回土地 (亩), 整改合同 (件)."""

    yuan: Amount = Decimal("0")
    mu: Amount = Decimal("0")
    contracts: int = Field(default=0, ge=0, le=100_000)

    def to_domain(self) -> Recovery:
        return Recovery(yuan=self.yuan, mu=self.mu, contracts=self.contracts)


class SubmitIn(Body):
    summary: Text
    claimed: RecoveryIn = Field(default_factory=RecoveryIn)


class ReviewerIn(Body):
    person_id: Id
    town_code: TownCode | None = None

    def to_domain(self) -> Reviewer:
        return Reviewer(person_id=self.person_id, town_code=self.town_code)


class PassReviewIn(Body):
    """检视通过 by someone outside the problem's town, with the recovery they verified."""

    reviewer: ReviewerIn
    verified: RecoveryIn = Field(default_factory=RecoveryIn)
    note: Note = ""


class ReasonIn(Body):
    reason: Text


class MergeIn(Body):
    into_problem_id: Id


class TransferIn(Body):
    reason: Text


class DisposeIn(Body):
    """处置: 谈话函询 / 初步核实 / 暂存待查 / 予以了结 (the last needs a note)."""

    disposal: Disposal
    note: Note = ""


# ------------------------------------------------------------------ scorecards
class RatingIn(Body):
    """成绩单 from an organisation or a department; reporters rate through intake."""

    rating_id: Id | None = None
    rater_kind: Literal["organisation", "department"]
    rater_id: Id
    score: int = Field(ge=1, le=5)
    resolved: bool
    comment: Note = ""


class AppealIn(Body):
    reason: Text


class AppealDecisionIn(Body):
    upheld: bool
    note: Note = ""


# ------------------------------------------------------------------ tags, discipline, clocks
class TagIn(Body):
    tag: Annotated[str, StringConstraints(pattern=r"^[\w:.\-]{1,40}$")]


class DisciplinedIn(Body):
    person_id: Id
    measure: DisciplineMeasure

    def to_domain(self) -> DisciplinedPerson:
        return DisciplinedPerson(person_id=self.person_id, measure=self.measure)


class DisciplineIn(Body):
    """查处: people held to account as a result of the problem (one case, n people)."""

    people: list[DisciplinedIn] = Field(min_length=1, max_length=100)
    note: Note = ""


class ClockStopIn(Body):
    reason: Text


class ApprovedIn(Body):
    """中止计时 with the reason and who approved it (not the actor)."""

    reason: Text
    approver: Id


class ExtendIn(ApprovedIn):
    """延期 by `days` (the clock's own unit), approved."""

    days: int = Field(ge=1, le=365)


# ------------------------------------------------------------------ themes, class of case
class ThemeIn(Body):
    """一季度一主题: the topic a county sets for a quarter (点题) and how problems match it."""

    theme_id: Id
    area_code: AreaCode
    year: int = Field(ge=2004, le=2100)
    quarter: int = Field(ge=1, le=4)
    topic: Text
    categories: list[Category] = Field(default_factory=list, max_length=7)
    keywords: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                    max_length=20)]] = Field(
        default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _something_to_match(self) -> ThemeIn:
        if not self.categories and not self.keywords:
            raise ValueError("a theme needs categories or keywords to match problems by")
        return self


class AdoptMeasureIn(Body):
    """制度措施出台: e.g. "专项资金管理十项清单" with its document number."""

    title: Text
    document_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=100)]


class ClassReviewIn(Body):
    passed: bool
    note: Note = ""


class DetectIn(Body):
    county_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    on: date | None = None
