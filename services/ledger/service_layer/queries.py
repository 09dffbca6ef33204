"""Read side: one problem with its clocks and timeline (办理记录), and problems of an area.

The timeline is read from the journal: one entry per command (what an officer did, or what an
input event caused), with the domain's own words for each event it recorded and the status it
went from and to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.journal import decode_item
from services.ledger.adapters.records import ComplaintLinked, TeamRecorded
from services.ledger.adapters.tables import journal, problems
from services.ledger.domain.clocks import Clock
from services.ledger.domain.events import ProblemEvent
from services.ledger.domain.lifecycle import OPEN
from services.ledger.domain.period import CHINA_TZ, local_date
from services.ledger.domain.places import check_area_code
from services.ledger.domain.problem import Problem, apply
from services.ledger.domain.serialization import problem_from_state, state_dict
from services.ledger.domain.timeline import timeline as domain_timeline
from services.ledger.domain.workdays import WorkingCalendar
from services.ledger.service_layer import store
from services.ledger.service_layer.contracts import details_of, reason_of

ROW_FIELDS = (
    "id", "problem_key", "status", "level", "category", "source", "title", "town_code",
    "county_code", "village_code", "place", "subject_name", "subject_unit", "escalate_up",
    "priority", "report_count", "team", "rework_count", "tags", "merged_into", "registered_at",
    "registered_on", "updated_at", "version",
)
STATE_FIELDS = (
    "responsible", "unit", "plan", "completed_measures", "disposal", "evidence", "round",
    "claimed", "reviewer", "recoveries", "ratings", "appeals", "escalations", "duplicates",
    "discipline", "reporter_refs", "named_reporter",
)


def row_view(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ROW_FIELDS}


def clock_view(clock: Clock, cal: WorkingCalendar, today: date) -> dict[str, Any]:
    return {
        "kind": clock.kind.value, "unit": clock.unit.value, "start": clock.start,
        "days": clock.days, "due": clock.due(cal), "due_estimated": clock.due_is_estimated(cal),
        "state": clock.state(cal, today).value, "days_overdue": clock.days_overdue(cal, today),
        "stopped_on": clock.stopped_on, "max_extension_days": clock.max_extension_days,
        "pauses": [{"start": p.start, "end": p.end, "reason": p.reason, "approver": p.approver}
                   for p in clock.pauses],
        "extensions": [{"granted_on": e.granted_on, "days": e.days, "reason": e.reason,
                        "approver": e.approver} for e in clock.extensions],
    }


def _record_details(item: object) -> dict[str, Any]:
    if isinstance(item, ComplaintLinked):
        return {"complaint_id": item.complaint_id, "channel": item.channel}
    if isinstance(item, TeamRecorded):
        return {"assignment_id": item.assignment_id, "members": item.members}
    return {}


def timeline_of(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """One entry per command, in journal order."""
    out: list[dict[str, Any]] = []
    shadow: Problem | None = None
    for _, group in groupby(rows, key=lambda r: r.command_id):
        group_rows = list(group)
        before = shadow.status.value if shadow is not None else None
        details: dict[str, Any] = {}
        reason: str | None = None
        events: list[ProblemEvent] = []
        for row in group_rows:
            item = decode_item(row.record_type, row.body)
            details.update(_record_details(item))
            if isinstance(item, ProblemEvent):
                shadow = apply(shadow, item)
                details.update(details_of(item, shadow))
                reason = reason or reason_of(item)
                events.append(item)
        first = group_rows[0]
        out.append({
            "action": first.action, "actor": first.actor, "at": first.at,
            "from_status": before, "to_status": shadow.status.value if shadow else None,
            "reason": reason, "details": details,
            "events": [{"type": e.event_type, "label": e.label, "detail": e.detail,
                        "actor": e.actor, "at": e.at} for e in domain_timeline(events)],  # type: ignore[arg-type]
        })
    return out


async def problem_view(session: AsyncSession, cal: WorkingCalendar, problem_id: str,
                       today: date) -> dict[str, Any]:
    row = (await session.execute(sa.select(problems).where(problems.c.id == problem_id))).first()
    if row is None:
        raise store.NotFound("problem_not_found", f"no problem {problem_id}")
    problem = problem_from_state(row.state)
    state = state_dict(problem)
    rows = (await session.execute(
        sa.select(journal.c.command_id, journal.c.action, journal.c.actor, journal.c.at,
                  journal.c.record_type, sa.cast(journal.c.body, sa.Text).label("body"))
        .where(journal.c.aggregate_id == problem_id).order_by(journal.c.seq)
    )).all()
    return {
        **row_view(row),
        **{k: state[k] for k in STATE_FIELDS},
        "recovered": recovered_view(problem),
        "complaint_ids": await store.complaint_ids(session, problem_id),
        "clocks": [clock_view(c, cal, today) for kind in sorted(problem.clocks)
                   for c in problem.clocks[kind]],
        "timeline": timeline_of(rows),
    }


def recovered_view(problem: Problem) -> dict[str, Any]:
    total = problem.recovered()
    return {"yuan": str(total.yuan), "mu": str(total.mu), "contracts": total.contracts}


def area_filter(area_code: str) -> Any:
    """Problems whose place lies in the area (province 2 .. village 12 digits)."""
    check_area_code(area_code)
    if len(area_code) == 12:
        return problems.c.village_code == area_code
    if len(area_code) == 9:
        return problems.c.town_code == area_code
    if len(area_code) == 6:
        return problems.c.county_code == area_code
    return problems.c.county_code.startswith(area_code)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


async def area_problems(session: AsyncSession, area_code: str, *,
                        touched_since: date | None = None, registered_before: date | None = None,
                        open_only: bool = False) -> list[Problem]:
    """Aggregates of an area; `touched_since` leaves out problems with no event since that day
    (they cannot change a statement or figure of a later period)."""
    query = sa.select(problems.c.state).where(area_filter(area_code))
    if touched_since is not None:
        query = query.where(sa.or_(problems.c.updated_at >= start_of(touched_since),
                                   problems.c.status.in_([s.value for s in OPEN])))
    if registered_before is not None:
        query = query.where(problems.c.registered_on < registered_before)
    if open_only:
        query = query.where(problems.c.status.in_([s.value for s in OPEN]))
    rows = (await session.scalars(query.order_by(problems.c.id))).all()
    return [problem_from_state(s) for s in rows]


def today_of(now: datetime) -> date:
    return local_date(now)
