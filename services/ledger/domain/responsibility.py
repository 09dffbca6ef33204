"""Responsibility to named people (责任到人) and the rectification plan (整改方案) whose
measures are scheduled backwards from the final due date (倒排时间)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .enums import DisciplineMeasure
from .errors import Invalid
from .workdays import WorkingCalendar


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponsiblePerson:
    """A named person answerable for the fix (责任人); `lead` marks the first responsible."""

    person_id: str
    name: str
    role: str
    lead: bool = False

    def __post_init__(self) -> None:
        if not self.person_id.strip() or not self.name.strip():
            raise Invalid("bad_person", "a responsible person needs an id and a name")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """The responsible unit (责任单位)."""

    unit_id: str
    name: str

    def __post_init__(self) -> None:
        if not self.unit_id.strip() or not self.name.strip():
            raise Invalid("bad_unit", "a responsible unit needs an id and a name")


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One rectification measure (整改措施) with its own due date."""

    measure_id: str
    description: str
    due: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RectificationPlan:
    """整改方案: measures, each due on or before the plan's final due date."""

    measures: tuple[Measure, ...]
    due: date

    def __post_init__(self) -> None:
        if not self.measures:
            raise Invalid("empty_plan", "a rectification plan needs at least one measure")
        ids = [m.measure_id for m in self.measures]
        if len(set(ids)) != len(ids):
            raise Invalid("duplicate_measure", "measure ids must be unique within a plan")
        late = [m.measure_id for m in self.measures if m.due > self.due]
        if late:
            raise Invalid("measure_after_plan_due", f"measures due after the plan: {late}")

    def measure_ids(self) -> frozenset[str]:
        return frozenset(m.measure_id for m in self.measures)


def plan_backwards(
    final_due: date, steps: Mapping[str, int], cal: WorkingCalendar
) -> RectificationPlan:
    """Build a plan by 倒排时间: `steps` maps a measure's description to how many working days
    before `final_due` it must be done. Measures get ids m1, m2, ... in date order."""
    dates = cal.schedule_backwards(final_due, steps)
    measures = tuple(
        Measure(measure_id=f"m{i}", description=desc, due=due)
        for i, (desc, due) in enumerate(dates.items(), start=1)
    )
    return RectificationPlan(measures=measures, due=final_due)


@dataclass(frozen=True, slots=True, kw_only=True)
class DisciplinedPerson:
    """A person held to account (问责/处理) as a result of the problem."""

    person_id: str
    measure: DisciplineMeasure
