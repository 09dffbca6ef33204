"""From journal entries to the public contract events other services consume (ledger.problems,
ledger.class-cases): ProblemOpened, ProblemStatusChanged, ProblemReportAttached,
ProblemEscalated, ClassOfCaseOpened, ClassOfCaseStatusChanged.

The mapping replays the command's entries over a separate copy of the state from before the
command (the "shadow"), so each status change is attributed to the event that caused it, with
that event's actor, time and reason; the shadow's final state must equal the command's, which
is a free check that `apply` reproduces what the commands did.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from services.ledger.adapters.journal import Entry
from services.ledger.adapters.records import ComplaintLinked
from services.ledger.domain.class_of_case import (
    ClassMeasureAdopted,
    ClassOfCase,
    ClassOfCaseClosed,
    ClassOfCaseEvent,
    ClassOfCaseReviewed,
    apply_class,
)
from services.ledger.domain.class_of_case import (
    ClassOfCaseOpened as ClassOpenedEvent,
)
from services.ledger.domain.events import (
    DisposalDecided,
    Escalated,
    ProblemAssigned,
    ProblemClosed,
    ProblemEvent,
    ProblemMerged,
    ProblemRegistered,
    ProblemReopened,
    ProblemTransferredUp,
    RectificationPlanSet,
    RectificationSubmitted,
    ReturnedForRework,
    ReviewPassed,
)
from services.ledger.domain.lifecycle import Command
from services.ledger.domain.problem import Problem, apply
from services.ledger.domain.serialization import state_dict
from services.ledger.service_layer.projection import ProblemMeta, priority_for
from shared.events.catalog import (
    ClassOfCaseOpened,
    ClassOfCaseStatusChanged,
    Payload,
    ProblemEscalated,
    ProblemOpened,
    ProblemReportAttached,
    ProblemStatusChanged,
)

_NS = uuid.UUID("b6f1d0a4-2c7e-4f59-8a3b-91d2e4c7f605")

ACTIONS: dict[type, Command] = {
    ProblemTransferredUp: Command.TRANSFER_UP,
    ProblemAssigned: Command.ASSIGN,
    RectificationPlanSet: Command.SET_PLAN,
    RectificationSubmitted: Command.SUBMIT,
    ReviewPassed: Command.PASS_REVIEW,
    ReturnedForRework: Command.RETURN_FOR_REWORK,
    ProblemClosed: Command.CLOSE,
    ProblemReopened: Command.REOPEN,
    ProblemMerged: Command.MERGE,
    DisposalDecided: Command.DISPOSE,
}
# Lifecycle decisions reported even when the status stays (a re-assignment, a disposal that
# keeps the item in hand, a transfer that registers it afresh one level up).
ALWAYS_REPORTED = (ProblemAssigned, DisposalDecided, ProblemTransferredUp)


def contract_id(entry: Entry, payload_type: str) -> str:
    return str(uuid.uuid5(_NS, f"{entry.event_id}|{payload_type}"))


def reason_of(event: ProblemEvent) -> str | None:
    reason = getattr(event, "reason", None)
    if isinstance(reason, str):
        return reason
    note = getattr(event, "note", None)
    return note if isinstance(note, str) and note else None


def details_of(event: ProblemEvent, after: Problem) -> dict[str, Any]:
    """What a status change says beyond from/to (whitelisted facts, no free text about people)."""
    match event:
        case ProblemAssigned():
            return {"responsible": [{"person_id": p.person_id, "role": p.role, "lead": p.lead}
                                    for p in event.responsible],
                    "unit": {"unit_id": event.unit.unit_id, "name": event.unit.name}}
        case RectificationSubmitted():
            return {"round": event.round}
        case ReviewPassed():
            return {"reviewer": event.reviewer.person_id,
                    "verified": {"yuan": str(event.verified.yuan), "mu": str(event.verified.mu),
                                 "contracts": event.verified.contracts}}
        case ReturnedForRework() | ProblemReopened():
            return {"cause": event.cause.value, "rating_id": event.rating_id,
                    "rework_count": after.rework_count}
        case ProblemClosed():
            return {"disposal": after.disposal.value} if after.disposal else {}
        case DisposalDecided():
            return {"disposal": event.disposal.value}
        case ProblemTransferredUp():
            return {"from_level": event.from_level.value, "to_level": event.to_level.value}
        case ProblemMerged():
            return {"into_problem_id": event.into_problem_id}
    return {}


def problem_contracts(
    before: Problem | None, after: Problem, entries: Sequence[Entry], meta: ProblemMeta,
    complaint_ids: Sequence[str], extra_details: dict[str, Any] | None = None,
) -> list[tuple[str, Payload]]:
    """(event id, payload) for each contract event the entries of one command stand for."""
    out: list[tuple[str, Payload]] = []
    shadow = before
    place, category = meta.place, after.category.value
    registering = any(isinstance(e.item, ProblemRegistered) for e in entries)
    for entry in entries:
        item = entry.item
        if isinstance(item, ComplaintLinked) and not registering:
            out.append((contract_id(entry, ProblemReportAttached.TYPE), ProblemReportAttached(
                problem_id=after.problem_id, complaint_id=item.complaint_id,
                report_count=meta.report_count, priority=priority_for(meta.report_count),
                at=item.at)))
        if not isinstance(item, ProblemEvent):
            continue
        status_before = shadow.status.value if shadow is not None else None
        shadow = apply(shadow, item)
        if isinstance(item, ProblemRegistered):
            out.append((contract_id(entry, ProblemOpened.TYPE), ProblemOpened(
                problem_id=item.problem_id, problem_key=meta.problem_key, place=place,
                category=category, subject_name=meta.subject_name,
                subject_unit=meta.subject_unit, escalate_up=meta.escalate_up,
                priority=priority_for(meta.report_count), report_count=meta.report_count,
                opened_at=item.at, complaint_ids=list(complaint_ids))))
            continue
        if isinstance(item, Escalated):
            out.append((contract_id(entry, ProblemEscalated.TYPE), ProblemEscalated(
                problem_id=item.problem_id, tier=item.tier, reason=item.reason.value,
                county_code=place.county_code, at=item.at, to_level=item.to_level.value,
                to_area_code=item.to_area_code)))
            continue
        action = ACTIONS.get(type(item))
        changed = status_before != shadow.status.value
        if action is None or not (changed or isinstance(item, ALWAYS_REPORTED)):
            continue
        details = details_of(item, shadow)
        if isinstance(item, ProblemAssigned) and extra_details:
            details.update(extra_details)
        out.append((contract_id(entry, ProblemStatusChanged.TYPE), ProblemStatusChanged(
            problem_id=item.problem_id, problem_key=meta.problem_key, from_status=status_before,
            to_status=shadow.status.value, action=action.value, actor=item.actor,
            reason=reason_of(item), at=item.at, place=place, category=category,
            complaint_ids=list(complaint_ids), details=details)))
    if shadow is not None and state_dict(shadow) != state_dict(after):
        raise AssertionError(f"replaying the command's events does not give its state "
                             f"({after.problem_id})")
    return out


_CLASS_ACTIONS = {
    ClassMeasureAdopted: "adopt_measure",
    ClassOfCaseReviewed: "review",
    ClassOfCaseClosed: "close",
}


def class_contracts(before: ClassOfCase | None, entries: Sequence[Entry]
                    ) -> list[tuple[str, Payload]]:
    out: list[tuple[str, Payload]] = []
    shadow = before
    for entry in entries:
        item = entry.item
        if not isinstance(item, ClassOfCaseEvent):
            continue
        status_before = shadow.status.value if shadow is not None else None
        shadow = apply_class(shadow, item)
        if isinstance(item, ClassOpenedEvent):
            out.append((contract_id(entry, ClassOfCaseOpened.TYPE), ClassOfCaseOpened(
                class_case_id=item.case_id, county_code=item.county_code,
                category=item.category.value if item.category else "mixed", pattern=item.label,
                member_problem_ids=list(item.members), villages=item.village_count,
                towns=item.town_count, at=item.at)))
            continue
        action = _CLASS_ACTIONS.get(type(item))
        if action is None:
            continue
        out.append((contract_id(entry, ClassOfCaseStatusChanged.TYPE), ClassOfCaseStatusChanged(
            class_case_id=shadow.case_id, county_code=shadow.county_code,
            from_status=status_before or "", to_status=shadow.status.value, action=action,
            actor=item.actor, at=item.at, member_problem_ids=list(shadow.members))))
    return out
