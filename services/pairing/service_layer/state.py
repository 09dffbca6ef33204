"""The engine's input as the database holds it now: the registry, history and open cases.

Every use case that staffs or unstaffs a team takes one transaction-scoped advisory lock first,
so two solves never count the same free capacity twice (the consumer and a POST /rounds, or
two replicas, run one after the other; reads of the registry are not blocked).

The registry changes far less often than problems arrive, so the process keeps the last one it
read, with its digest and stored form, under the registry's state key (officer count, highest
version): one indexed query tells whether it is still current, and whether its snapshot is
stored already (then a solve does not send it again).

History and open cases are kept the same way (memberships.py): the same query reads the token
that says whether they are still current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import digest_of, officer_from_record, officer_record, pack
from services.pairing.adapters.tables import officers, registry_snapshots
from services.pairing.domain.model import Context, Officer, PairingInput, Problem
from services.pairing.service_layer import memberships
from services.pairing.service_layer.context import PairingContext

STAFFING_LOCK = 0x7061_6972_696E_67  # "pairing"


@dataclass(frozen=True)
class Registry:
    """The registry as one solve reads it: engine records, domain officers, digest, stored form."""

    key: tuple[int, int]
    records: list[dict[str, Any]]
    officers: tuple[Officer, ...]
    digest: str
    blob: bytes
    stored: bool = False  # its snapshot is in registry_snapshots, as this transaction sees it


async def lock_staffing(session: AsyncSession) -> None:
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(STAFFING_LOCK)))


async def load_registry(session: AsyncSession, ctx: PairingContext) -> Registry:
    return (await _registry_and_token(session, ctx))[0]


async def _registry_and_token(session: AsyncSession, ctx: PairingContext) -> tuple[Registry, str | None]:
    """The registry, and the memberships token (memberships.py) read by the same statement."""
    cached: Registry | None = ctx.registry
    snapshot = (sa.exists().where(registry_snapshots.c.digest == cached.digest) if cached is not None
                else sa.false())
    count, top, stored, token = (await session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(officers.c.version), 0), snapshot,
                  memberships.TOKEN)
        .select_from(officers))).one()
    if cached is not None and cached.key == (count, top):
        return replace(cached, stored=bool(stored)), token
    rows = (await session.execute(sa.select(officers).order_by(officers.c.id))).mappings().all()
    records = [officer_record(r) for r in rows]
    # Keyed by what was read, not by the first query: a write in between only means a miss later.
    key = (len(rows), max((r["version"] for r in rows), default=0))
    registry = Registry(key, records, tuple(officer_from_record(r) for r in records), digest_of(records),
                        pack(records))
    ctx.registry = registry
    return registry, token


async def current_input(
    session: AsyncSession,
    ctx: PairingContext,
    problems: Sequence[Problem],
    context: Context,
    leave_out_problem: str | None = None,
) -> tuple[PairingInput, Registry]:
    """The input for staffing `problems` at `context`, and the registry it was built from.
    `leave_out_problem`: a team being repaired does not count against itself."""
    registry, token = await _registry_and_token(session, ctx)
    low = context.round - ctx.history_window()
    history, open_cases = await memberships.read(session, ctx, token, low, context.round, leave_out_problem)
    inp = PairingInput(
        officers=registry.officers,
        problems=tuple(problems),
        context=context,
        history=tuple(history),
        open_cases=tuple(sorted(open_cases.items())),
    )
    return inp, registry
