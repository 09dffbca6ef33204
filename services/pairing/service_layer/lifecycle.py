"""Follow the ledger's lifecycle: a closed (销号) or merged problem frees its team's capacity;
a reopened one (重新打开) takes it again. Open cases are what `capacity` is checked against."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import assignments, memberships, problems
from services.pairing.service_layer.memberships import changed
from services.pairing.service_layer.state import lock_staffing
from shared.events.catalog import Payload, ProblemStatusChanged
from shared.events.envelope import Envelope

FINAL = frozenset({"closed", "merged"})


async def on_status_changed(session: AsyncSession, env: Envelope, payload: Payload) -> None:
    assert isinstance(payload, ProblemStatusChanged)
    p = payload
    closing = p.to_status in FINAL
    reopening = p.from_status in FINAL and not closing
    if not (closing or reopening):
        return
    await lock_staffing(session)
    await session.execute(memberships.update().where(memberships.c.problem_id == p.problem_id)
                          .values(open=not closing))
    await changed(session)
    if closing:
        status: sa.ColumnElement[str] | str = "closed"
    else:
        has_team = sa.exists().where(assignments.c.problem_id == p.problem_id, assignments.c.active)
        status = sa.case((has_team, "assigned"), else_="pending")
    await session.execute(problems.update().where(problems.c.id == p.problem_id)
                          .values(status=status, updated_at=p.at))
