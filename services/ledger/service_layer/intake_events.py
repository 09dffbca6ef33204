"""Use cases driven by other services' events: complaints open or join problems, teams get assigned.

Every id and time here derives from the incoming event, never from the clock or a random source,
so replaying the same input topics into an empty database rebuilds the same ledger.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.tables import ProblemEventRow, ProblemReportRow, ProblemRow
from shared.events.catalog import (
    ComplaintReceived,
    Payload,
    ProblemOpened,
    ProblemReportAttached,
    ProblemStatusChanged,
    TeamAssigned,
)
from shared.events.envelope import Envelope
from shared.outbox.writer import stage

SOURCE = "/supervision/ledger"
_NS = uuid.UUID("6f1c2a5e-6c1b-4d8e-9b1e-7a3f0d2c9e41")

problems = ProblemRow.__table__  # type: ignore[attr-defined]
reports = ProblemReportRow.__table__  # type: ignore[attr-defined]
timeline = ProblemEventRow.__table__  # type: ignore[attr-defined]


def problem_id_for(problem_key: str) -> str:
    return str(uuid.uuid5(_NS, problem_key))


def priority_for(report_count: int) -> int:
    """More reports of the same problem mean more people affected: 1 report → 1, 2–3 → 2, 4+ → 3."""
    return 1 if report_count <= 1 else 2 if report_count <= 3 else 3


async def on_complaint_received(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ComplaintReceived)
    c = payload
    pid = problem_id_for(c.problem_key)
    created = await session.execute(
        pg_insert(problems)
        .values(
            id=pid, problem_key=c.problem_key, status="registered", category=c.category,
            town_code=c.place.town_code, county_code=c.place.county_code,
            village_code=c.place.village_code, place=c.place.model_dump(mode="json"),
            subject_name=c.subject_name, subject_unit=c.subject_unit, escalate_up=c.escalate_up,
            priority=1, report_count=1, team=[], opened_at=c.received_at, updated_at=c.received_at,
            version=1,
        )
        .on_conflict_do_nothing(index_elements=["problem_key"])
        .returning(problems.c.id)
    )
    if created.first() is not None:
        await session.execute(reports.insert().values(
            problem_id=pid, complaint_id=c.complaint_id, received_at=c.received_at))
        await session.execute(timeline.insert().values(
            problem_id=pid, action="register", from_status=None, to_status="registered",
            actor=f"intake:{c.channel}", reason=None, at=c.received_at,
            details={"complaint_id": c.complaint_id}))
        await stage(session, ProblemOpened(
            problem_id=pid, problem_key=c.problem_key, place=c.place, category=c.category,
            subject_name=c.subject_name, subject_unit=c.subject_unit, escalate_up=c.escalate_up,
            priority=1, report_count=1, opened_at=c.received_at, complaint_ids=[c.complaint_id],
        ), SOURCE)
        return
    attached = await session.execute(
        pg_insert(reports)
        .values(problem_id=pid, complaint_id=c.complaint_id, received_at=c.received_at)
        .on_conflict_do_nothing(index_elements=["complaint_id"])
        .returning(reports.c.id)
    )
    if attached.first() is None:
        return
    row = (await session.execute(
        sa.select(problems.c.report_count).where(problems.c.id == pid).with_for_update()
    )).one()
    count = row.report_count + 1
    await session.execute(problems.update().where(problems.c.id == pid).values(
        report_count=count, priority=priority_for(count), version=problems.c.version + 1))
    await stage(session, ProblemReportAttached(
        problem_id=pid, complaint_id=c.complaint_id, report_count=count,
        priority=priority_for(count), at=c.received_at), SOURCE)


async def on_team_assigned(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, TeamAssigned)
    row = (await session.execute(
        sa.select(problems).where(problems.c.id == payload.problem_id).with_for_update()
    )).first()
    if row is None:
        raise LookupError(f"team assigned to unknown problem {payload.problem_id}")
    members = [m.model_dump(mode="json") for m in payload.members]
    complaint_ids = list((await session.scalars(
        sa.select(reports.c.complaint_id).where(reports.c.problem_id == row.id).order_by(reports.c.id)
    )).all())
    to_status = "assigned" if row.status == "registered" else row.status
    await session.execute(problems.update().where(problems.c.id == row.id).values(
        status=to_status, team=members, updated_at=payload.at, version=problems.c.version + 1))
    await session.execute(timeline.insert().values(
        problem_id=row.id, action="assign", from_status=row.status, to_status=to_status,
        actor="pairing", reason=None, at=payload.at,
        details={"assignment_id": payload.assignment_id, "members": members}))
    await stage(session, ProblemStatusChanged(
        problem_id=row.id, problem_key=row.problem_key, from_status=row.status,
        to_status=to_status, action="assign", actor="pairing", at=payload.at,
        place=row.place, category=row.category, complaint_ids=complaint_ids,
        details={"assignment_id": payload.assignment_id, "members": members},
    ), SOURCE)
