"""Recusal after assignment (事后回避): a member declares a conflict and is replaced.

The declaration goes on the officer's registry entry for good (with a case relation on this
problem), the slot is refilled under the same rules by the domain (recusal.py: the other
members stay), and everything is recorded: the recusal, a solve with its input, the new team
(TeamAssigned with replaces_assignment_id) or, when nobody is left, the certificate and a
TeamUnstaffable so the ledger escalates.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import problem_from_record, team_from_dict
from services.pairing.adapters.tables import (
    NEXT_VERSION,
    assignments,
    memberships,
    officers,
    problems,
    recusals,
)
from services.pairing.domain.certificate import Escalation
from services.pairing.domain.model import Context, Relation, RelationKind, TargetKind
from services.pairing.domain.recusal import replace_after_recusal
from services.pairing.domain.result import Assignment
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.memberships import changed
from services.pairing.service_layer.periods import china_day
from services.pairing.service_layer.recording import record_escalations, record_solve, record_teams
from services.pairing.service_layer.solving import Solved, SolveMode
from services.pairing.service_layer.state import current_input, load_registry, lock_staffing
from shared.http.errors import ApiError


@dataclass(frozen=True)
class RecusalCommand:
    problem_id: str
    officer_id: str
    relation: RelationKind
    target_kind: TargetKind | None
    target: str | None
    reason: str
    actor: str


async def active_team(session: AsyncSession, problem_id: str) -> sa.RowMapping:
    row = (await session.execute(
        sa.select(assignments).where(assignments.c.problem_id == problem_id, assignments.c.active)
        .with_for_update())).mappings().first()
    if row is not None:
        return row
    known = await session.scalar(sa.select(sa.func.count()).select_from(assignments)
                                 .where(assignments.c.problem_id == problem_id))
    if known:
        raise ApiError(409, "no_active_team", f"problem {problem_id} has no team at work any more")
    raise ApiError(404, "assignment_not_found", f"no assignment for problem {problem_id}")


async def recuse(session: AsyncSession, ctx: PairingContext, cmd: RecusalCommand) -> dict[str, Any]:
    await lock_staffing(session)
    row = await active_team(session, cmd.problem_id)
    if cmd.officer_id not in {m["officer_id"] for m in row["members"]}:
        raise ApiError(409, "not_on_team", f"officer {cmd.officer_id} is not on the team of {cmd.problem_id}")
    prob = (await session.execute(sa.select(problems).where(problems.c.id == cmd.problem_id))
            ).mappings().one()
    if prob["status"] == "closed":
        raise ApiError(409, "problem_closed", f"problem {cmd.problem_id} is closed (销号); its team is done")
    problem = problem_from_record(prob)
    # Locked before the input is read, so the relations the domain extends are the stored ones.
    officer = (await session.execute(sa.select(officers).where(officers.c.id == cmd.officer_id)
                                     .with_for_update())).mappings().first()
    if officer is None:
        raise ApiError(409, "officer_not_registered", f"officer {cmd.officer_id} left the registry")
    now = ctx.now()
    context = Context(as_of=china_day(now), round=int(row["explanation"]["round"]))
    inp, _ = await current_input(session, ctx, [problem], context, leave_out_problem=problem.id)
    current = Assignment(teams=(team_from_dict(problem.id, row["members"]),), total_cost=0, objective=0,
                         mode=row["mode"], seed=row["seed"])
    declared = Relation(cmd.relation, cmd.target_kind or TargetKind.CASE, cmd.target or problem.id)
    started = time.perf_counter()
    new, updated, record = replace_after_recusal(current, inp, ctx.policy, problem.id, cmd.officer_id,
                                                 declared, now)
    seconds = time.perf_counter() - started
    ctx.solve_seconds.labels("recusal", "exact").observe(seconds)

    # The declaration stays on the registry entry, exactly as the domain added it.
    added = next(o for o in updated.officers if o.id == cmd.officer_id).relations[len(officer["relations"]):]
    notes = {"declared_at": now.isoformat(), "reason": cmd.reason, "problem_id": problem.id}
    await session.execute(officers.update().where(officers.c.id == cmd.officer_id).values(
        relations=[*officer["relations"],
                   *({"kind": r.kind.value, "target_kind": r.target_kind.value, "target": r.target,
                      **notes} for r in added)],
        updated_at=now, version=NEXT_VERSION))
    found = (Escalation(problem.id, record.certificate),) if record.certificate is not None else ()
    solved = Solved(updated, await load_registry(session, ctx), ctx.policy, SolveMode(), new, found, seconds,
                    {"recusal_of": cmd.officer_id, "replaces_assignment_id": row["id"]})
    solve_id = await record_solve(session, solved, "recusal", now)
    await session.execute(assignments.update().where(assignments.c.id == row["id"]).values(active=False))
    await session.execute(memberships.update().where(memberships.c.assignment_id == row["id"])
                          .values(active=False))
    await changed(session)
    new_id = escalation_id = None
    if new is not None:
        stored = await record_teams(session, solve_id, solved, now, row["round_id"],
                                    replaces={problem.id: row["id"]}, mode_label="recusal")
        new_id = stored[0]["id"]
    else:
        escalation_id = (await record_escalations(session, solve_id, found, now, cause="recusal"))[0]["id"]
    recusal_id = str(uuid.uuid4())
    replacement = record.replacement.officer_id if record.replacement else None
    await session.execute(recusals.insert().values(
        id=recusal_id, problem_id=problem.id, assignment_id=row["id"], officer_id=cmd.officer_id,
        relation={"kind": declared.kind.value, "target_kind": declared.target_kind.value,
                  "target": declared.target},
        reason=cmd.reason, role=record.role.value, position=record.position, pool_size=record.pool_size,
        replacement_officer_id=replacement, new_assignment_id=new_id, escalation_id=escalation_id,
        actor=cmd.actor, at=now))
    return {
        "recusal_id": recusal_id, "problem_id": problem.id, "officer_id": cmd.officer_id,
        "role": record.role.value, "replaced_assignment_id": row["id"], "new_assignment_id": new_id,
        "replacement_officer_id": replacement, "pool_size": record.pool_size,
        "certificate": record.certificate.as_dict() if record.certificate else None,
        "escalation_id": escalation_id, "at": now.isoformat(),
    }
