"""Staff a newly opened problem with a conflict-free team from another town.

Walking-skeleton rule until the optimiser is wired: the least-loaded available officer whose town
differs from the problem's, ties broken by a keyed hash so the choice is deterministic but not
guessable from the roster order.
"""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import AssignmentRow, OfficerRow
from shared.events.catalog import Payload, ProblemOpened, TeamAssigned, TeamMember, TeamUnstaffable
from shared.events.envelope import Envelope
from shared.outbox.writer import stage

SOURCE = "/supervision/pairing"
_NS = uuid.UUID("0f5b8a7e-3d2c-4a61-8f0e-2b9c4d7e1a53")
officers = OfficerRow.__table__  # type: ignore[attr-defined]
assignments = AssignmentRow.__table__  # type: ignore[attr-defined]


def _tie_break(problem_id: str, officer_id: str) -> str:
    return hashlib.blake2b(f"{problem_id}|{officer_id}".encode(), digest_size=8).hexdigest()


async def on_problem_opened(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ProblemOpened)
    p = payload
    rows = (await session.execute(
        sa.select(officers).where(
            officers.c.available,
            officers.c.active_load < officers.c.capacity,
            sa.or_(officers.c.town_code.is_(None), officers.c.town_code != p.place.town_code),
        )
    )).all()
    excluded = (await session.scalar(
        sa.select(sa.func.count()).select_from(officers).where(officers.c.town_code == p.place.town_code)
    )) or 0
    eligible = list(rows)
    if not eligible:
        await stage(session, TeamUnstaffable(
            problem_id=p.problem_id, reason="no_eligible_officer",
            certificate={"slots_needed": 1, "eligible_officers": 0, "excluded_same_town": excluded},
            at=p.opened_at), SOURCE)
        return
    chosen = min(eligible, key=lambda r: (r.active_load, _tie_break(p.problem_id, r.id)))
    member = TeamMember(officer_id=chosen.id, role="lead", town_code=chosen.town_code,
                        county_code=chosen.county_code, unit=chosen.unit)
    assignment_id = str(uuid.uuid5(_NS, f"{p.problem_id}#1"))
    await session.execute(officers.update().where(officers.c.id == chosen.id).values(
        active_load=officers.c.active_load + 1))
    await session.execute(assignments.insert().values(
        id=assignment_id, problem_id=p.problem_id, town_code=p.place.town_code,
        members=[member.model_dump(mode="json")], mode="skeleton",
        explanation={"eligible_pool": len(eligible), "exclusions": {"same_town": excluded}},
        active=True, at=p.opened_at))
    await stage(session, TeamAssigned(
        assignment_id=assignment_id, problem_id=p.problem_id, members=[member], mode="skeleton",
        eligible_pool=len(eligible), exclusions={"same_town": int(excluded)}, at=p.opened_at,
    ), SOURCE)
