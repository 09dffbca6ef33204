"""The memberships a solve reads (history in the rules' window, open cases per officer), kept
between solves like the registry (state.py).

Reading them was most of a new problem's cost once the history grew, and between two new
problems they change only by the team of the first. Every write to `memberships` changes the
token in `staffing_state` (under the staffing lock); the process keeps what it read with the
token it saw, and a solve reads the token in the registry's own query: the same token, the same
rows. A team recorded by this process is added to what is kept under the token it wrote, so the
next problem reads nothing; a rolled-back transaction leaves the stored token as it was, which
no longer matches, and the next solve reads the rows again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.tables import memberships, staffing_state
from services.pairing.domain.model import PastAssignment
from services.pairing.service_layer.context import PairingContext

TOKEN = sa.select(staffing_state.c.memberships_token).where(staffing_state.c.id == 1).scalar_subquery()
# A new token, returning the one it replaces (the self-joined row is read before the update).
_CHANGE = sa.text(
    "UPDATE staffing_state s SET memberships_token = :token FROM staffing_state before "
    "WHERE s.id = 1 AND before.id = 1 RETURNING before.memberships_token"
)


@dataclass
class Held:
    """Active memberships of rounds low..high, and active open ones per officer, at `token`."""

    token: str
    low: int
    high: int
    history: list[PastAssignment]
    open_cases: dict[str, int]

    def add(self, added: Iterable[PastAssignment]) -> None:
        """New memberships (active and open), as the table now holds them."""
        for m in added:
            if self.low <= m.round <= self.high:
                self.history.append(m)
            self.open_cases[m.officer_id] = self.open_cases.get(m.officer_id, 0) + 1


async def read(session: AsyncSession, ctx: PairingContext, token: str | None, low: int, high: int,
               leave_out_problem: str | None = None) -> tuple[list[PastAssignment], dict[str, int]]:
    """History of rounds low..high and open cases; `token` as this transaction read it."""
    held: Held | None = ctx.held
    if (leave_out_problem is None and held is not None and held.token == token
            and (held.low, held.high) == (low, high)):
        return held.history, held.open_cases
    m = memberships.c
    active: sa.ColumnElement[bool] = m.active
    if leave_out_problem is not None:
        active = active & (m.problem_id != leave_out_problem)
    # one statement: the memberships in the window ("h") and the open cases per officer ("o")
    window = (sa.select(sa.literal("h").label("kind"), m.officer_id, m.problem_id, m.town_code,
                        m.round.label("n"))
              .where(active, m.round.between(low, high)))
    holding = (sa.select(sa.literal("o"), m.officer_id, sa.cast(sa.null(), sa.Text),
                         sa.cast(sa.null(), sa.Text), sa.func.count())
               .where(active, m.open).group_by(m.officer_id))
    rows = (await session.execute(
        sa.union_all(window, holding).order_by("kind", "officer_id", "problem_id"))).all()
    history = [PastAssignment(o, p, t, n) for k, o, p, t, n in rows if k == "h"]
    open_cases = {o: int(n) for k, o, _, _, n in rows if k == "o"}
    if leave_out_problem is None and token is not None:
        ctx.held = Held(token, low, high, history, open_cases)
    return history, open_cases


async def changed(session: AsyncSession, ctx: PairingContext | None = None,
                  added: Iterable[PastAssignment] | None = None) -> None:
    """After a write to memberships: a new token. `added`: the write only added these (active,
    open) memberships, so what this process keeps stays valid with them added, provided it was
    current before the write."""
    token = uuid.uuid4().hex
    previous = (await session.execute(_CHANGE, {"token": token})).scalar()
    if ctx is None:
        return
    held: Held | None = ctx.held
    if held is None or added is None or previous is None or held.token != previous:
        ctx.held = None
        return
    held.add(added)
    held.token = token
