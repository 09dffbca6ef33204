"""A stored solve read back: the exact input the engine had, its policy and its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import (
    assignment_from_dict,
    digest_of,
    encode,
    input_from_records,
    snapshot_digest,
    state_record,
    unpack,
)
from services.pairing.adapters.tables import assignments, registry_snapshots, solves
from services.pairing.domain.model import PairingInput, Problem
from services.pairing.domain.policy import Policy
from services.pairing.domain.result import Assignment
from services.pairing.service_layer.context import PairingContext
from shared.http.errors import ApiError


@dataclass(frozen=True)
class StoredSolve:
    row: sa.RowMapping
    inp: PairingInput
    policy: Policy
    assignment: Assignment | None
    result: dict[str, Any] | None  # the stored canonical result, as stored
    intact: bool  # the registry and state re-encode to the digests recorded with the solve

    def problem(self, problem_id: str) -> Problem:
        return next(p for p in self.inp.problems if p.id == problem_id)


async def load_solve(session: AsyncSession, ctx: PairingContext, solve_id: str) -> StoredSolve:
    row = (await session.execute(sa.select(solves).where(solves.c.id == solve_id))).mappings().one()
    blob = await session.scalar(sa.select(registry_snapshots.c.officers)
                                .where(registry_snapshots.c.digest == row["registry_digest"]))
    if blob is None:
        raise LookupError(f"registry snapshot {row['registry_digest']} of solve {solve_id} is missing")
    records = unpack(blob)
    inp = input_from_records(records, unpack(row["state"]))
    result = unpack(row["result"]) if row["result"] is not None else None
    assignment = assignment_from_dict(result) if result is not None else None
    registry_digest = digest_of(records)
    state_digest = encode(state_record(inp))[1]
    intact = (registry_digest == row["registry_digest"]
              and snapshot_digest(registry_digest, state_digest, row["policy"]) == row["input_digest"])
    return StoredSolve(row, inp, ctx.policy_from(row["policy"]), assignment, result, intact)


async def assignment_row(session: AsyncSession, assignment_id: str) -> sa.RowMapping:
    row = (await session.execute(sa.select(assignments).where(assignments.c.id == assignment_id))
           ).mappings().first()
    if row is None:
        raise ApiError(404, "assignment_not_found", f"no assignment {assignment_id}")
    return row


async def current_assignment_row(session: AsyncSession, problem_id: str) -> sa.RowMapping:
    """The team at work on a problem, else its latest team."""
    row = (await session.execute(
        sa.select(assignments).where(assignments.c.problem_id == problem_id)
        .order_by(assignments.c.active.desc(), assignments.c.at.desc(), assignments.c.id.desc())
    )).mappings().first()
    if row is None:
        raise ApiError(404, "assignment_not_found", f"no assignment for problem {problem_id}")
    return row
