"""The table rows as functions of the journal: the live path and the rebuild both call these,
so a rebuilt database holds the same rows as the live one.

A problem's row is its aggregate (the domain's state, folded from its events) plus `ProblemMeta`
(folded from its bookkeeping records): the problem key, the named place, the complaints and the
team.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.ledger.adapters.records import (
    BookRecord,
    ComplaintLinked,
    ProblemIndexed,
    TeamRecorded,
    ThemeSet,
)
from services.ledger.domain.class_of_case import ClassOfCase
from services.ledger.domain.problem import Problem
from services.ledger.domain.serialization import state_json
from shared.events.payloads.base import Place


def priority_for(report_count: int) -> int:
    """More reports of the same problem mean more people affected: 1 report → 1, 2–3 → 2, 4+ → 3."""
    return 1 if report_count <= 1 else 2 if report_count <= 3 else 3


@dataclass(frozen=True)
class ProblemMeta:
    problem_key: str
    place: Place
    subject_name: str | None = None
    subject_unit: str | None = None
    escalate_up: bool = False
    report_count: int = 0
    team: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def apply_record(meta: ProblemMeta | None, record: BookRecord) -> ProblemMeta:
    match record:
        case ProblemIndexed():
            return ProblemMeta(problem_key=record.problem_key, place=record.place,
                               subject_name=record.subject_name, subject_unit=record.subject_unit,
                               escalate_up=record.escalate_up)
        case ComplaintLinked() if meta is not None:
            return replace(meta, report_count=meta.report_count + 1)
        case TeamRecorded() if meta is not None:
            return replace(meta, team=tuple(record.members))
    raise ValueError(f"{record.type} before the problem was indexed")


def problem_values(problem: Problem, meta: ProblemMeta, journal_seq: int, updated_at: datetime,
                   state: Any = None) -> dict[str, Any]:
    """`state`: the aggregate's state as JSON text, when the caller has it already."""
    place = problem.place
    return {
        "id": problem.problem_id, "problem_key": meta.problem_key, "status": problem.status.value,
        "level": problem.level.value, "category": problem.category.value,
        "source": problem.source.value, "title": problem.title, "town_code": place.town_code,
        "county_code": place.county_code, "village_code": place.village_code,
        "place": meta.place.model_dump(mode="json"), "subject_name": meta.subject_name,
        "subject_unit": meta.subject_unit, "escalate_up": meta.escalate_up,
        "priority": priority_for(meta.report_count), "report_count": meta.report_count,
        "team": list(meta.team), "rework_count": problem.rework_count, "tags": list(problem.tags),
        "merged_into": problem.merged_into, "registered_at": problem.registered_at,
        "registered_on": problem.registered_on, "updated_at": updated_at,
        "version": problem.version, "journal_seq": journal_seq,
        "state": state_json(problem).decode() if state is None else state,
    }


def meta_from_row(row: Any) -> ProblemMeta:
    return ProblemMeta(
        problem_key=row.problem_key, place=Place.model_validate(row.place),
        subject_name=row.subject_name, subject_unit=row.subject_unit,
        escalate_up=row.escalate_up, report_count=row.report_count, team=tuple(row.team),
    )


def report_values(record: ComplaintLinked) -> dict[str, Any]:
    return {"complaint_id": record.complaint_id, "problem_id": record.problem_id,
            "reporter_ref": record.reporter_ref, "channel": record.channel,
            "received_at": record.at}


def class_values(case: ClassOfCase, journal_seq: int, opened_at: datetime, updated_at: datetime,
                 state: Any = None) -> dict[str, Any]:
    return {
        "id": case.case_id, "rule_id": case.rule_id, "county_code": case.county_code,
        "label": case.label, "category": case.category.value if case.category else None,
        "status": case.status.value, "period_start": case.period.start,
        "period_end": case.period.end, "members": list(case.members),
        "village_count": case.village_count, "town_count": case.town_count,
        "opened_at": opened_at, "updated_at": updated_at, "version": case.version,
        "journal_seq": journal_seq,
        "state": state_json(case).decode() if state is None else state,
    }


def theme_values(record: ThemeSet, journal_seq: int) -> dict[str, Any]:
    return {
        "id": record.theme_id, "area_code": record.area_code, "year": record.year,
        "quarter": record.quarter, "topic": record.topic, "categories": list(record.categories),
        "keywords": list(record.keywords), "set_by": record.actor, "set_at": record.at,
        "journal_seq": journal_seq,
    }
