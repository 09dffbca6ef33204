"""Recording an engine run: the solve with its input, the teams with their explanations, the
memberships that later rules read, the escalations, and the events, all in the caller's
transaction (the outbox makes them leave together or not at all).

One solve may staff problems opened by several events (a consumer fetch): each team and
escalation then carries its own problem's time and its event goes out in the trace of the event
that opened the problem (`Cause`). A statement serves every row of a kind, whatever their number.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import StateEncoder, pack, snapshot_digest
from services.pairing.adapters.tables import (
    assignments,
    escalations,
    memberships,
    problems,
    registry_snapshots,
    solves,
)
from services.pairing.domain.certificate import Escalation
from services.pairing.domain.events import unstaffable_fields
from services.pairing.domain.model import PastAssignment
from services.pairing.domain.result import Assignment, frac_str
from services.pairing.service_layer.context import PairingContext, policy_params
from services.pairing.service_layer.memberships import changed
from services.pairing.service_layer.solving import Solved, team_fields
from shared.consumer import in_trace_of
from shared.events.catalog import TeamAssigned, TeamMember, TeamUnstaffable
from shared.events.envelope import Envelope
from shared.outbox.writer import stage

SOURCE = "/supervision/pairing"
# The process's one memory of encoded memberships (solves are recorded on the event loop).
encode_state = StateEncoder()
_NS = uuid.UUID("0f5b8a7e-3d2c-4a61-8f0e-2b9c4d7e1a53")
# Built once, the row passed as parameters: `.values(...)` is traversed for its cache key per call.
_INSERT_SOLVE = solves.insert()


@dataclass(frozen=True)
class Cause:
    """The event that opened a problem in this very transaction, and when it was opened: the
    problem's rows are its first (numbered 1 without asking) and its events are in that trace."""

    at: datetime
    envelope: Envelope


async def _numbered_ids(session: AsyncSession, table: sa.Table, problem_ids: Iterable[str],
                        sep: str, fresh: Collection[str] = ()) -> dict[str, str]:
    """Deterministic ids: the n-th row of a problem is uuid5(problem id, sep, n). `fresh`:
    problems opened in this transaction, which have no rows yet."""
    wanted = sorted(set(problem_ids))
    asked = [p for p in wanted if p not in fresh]
    counts: dict[str, int] = dict((await session.execute(
        sa.select(table.c.problem_id, sa.func.count()).where(table.c.problem_id.in_(asked))
        .group_by(table.c.problem_id))).all()) if asked else {}
    return {p: str(uuid.uuid5(_NS, f"{p}{sep}{counts.get(p, 0) + 1}")) for p in wanted}


def _traced(cause: Cause | None) -> contextlib.AbstractContextManager[None]:
    return in_trace_of(cause.envelope) if cause is not None else contextlib.nullcontext()


async def _set_status(session: AsyncSession, status: str, at_of: Mapping[str, datetime]) -> None:
    """One statement for every problem, each with its own time."""
    if len(set(at_of.values())) == 1:
        await session.execute(problems.update().where(problems.c.id.in_(list(at_of)))
                              .values(status=status, updated_at=next(iter(at_of.values()))))
        return
    await session.execute(
        problems.update().where(problems.c.id == sa.bindparam("pid"))
        .values(status=status, updated_at=sa.bindparam("at")),
        [{"pid": p, "at": at} for p, at in at_of.items()])


async def record_solve(session: AsyncSession, solved: Solved, kind: str, at: datetime,
                       round_id: str | None = None) -> str:
    registry = solved.registry
    if not registry.stored:
        await session.execute(pg_insert(registry_snapshots).values(
            digest=registry.digest, officers=registry.blob, officer_count=len(registry.records),
            at=at).on_conflict_do_nothing(index_elements=["digest"]))
    solve_id = str(uuid.uuid4())
    a = solved.assignment
    state, state_digest = encode_state(solved.inp)
    params = policy_params(solved.policy)
    await session.execute(_INSERT_SOLVE, dict(
        id=solve_id, kind=kind, round_id=round_id,
        input_digest=snapshot_digest(registry.digest, state_digest, params), registry_digest=registry.digest,
        state=state, policy=params,
        mode=solved.mode.name, q=str(solved.mode.q) if solved.mode.q is not None else None,
        published_value=solved.mode.published_value, seed=a.seed if a else None,
        result=pack(a.as_dict()) if a else None,
        escalations=[{"problem_id": e.problem_id, "certificate": e.certificate.as_dict()}
                     for e in solved.escalations],
        seconds=solved.seconds,
        stats={**(_stats(a) if a else {}), **solved.notes}, at=at))
    return solve_id


def _stats(a: Assignment) -> dict[str, Any]:
    """How the answer was found (the domain's SolveStats), with its cost."""
    return {**dataclasses.asdict(a.stats), "total_cost": a.total_cost,
            "expected_cost": frac_str(a.expected_cost) if a.expected_cost is not None else None}


async def record_teams(
    session: AsyncSession,
    solve_id: str,
    solved: Solved,
    at: datetime,
    round_id: str | None = None,
    replaces: Mapping[str, str] | None = None,
    mode_label: str | None = None,
    causes: Mapping[str, Cause] | None = None,
    ctx: PairingContext | None = None,
) -> list[dict[str, Any]]:
    """Store every team of the solve and stage its TeamAssigned; returns the stored rows.
    `ctx`: the process keeps the new memberships with what it holds (memberships.py)."""
    assignment = solved.assignment
    assert assignment is not None
    replaces = replaces or {}
    causes = causes or {}
    fields = solved.fields or team_fields(solved.inp, solved.policy, assignment)
    ids = await _numbered_ids(session, assignments, (t.problem_id for t in assignment.teams), "#",
                              causes)
    odds: dict[str, list[list[str]]] = defaultdict(list)
    for pid, oid, value in assignment.probabilities:
        odds[pid].append([oid, frac_str(value)])
    town = {p.id: p.town_code for p in solved.inp.problems}
    q = frac_str(assignment.q) if assignment.q is not None else None
    mode = mode_label or assignment.mode
    rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    for team, f in zip(assignment.teams, fields, strict=True):
        pid = team.problem_id
        members = [{**fm, "probability": frac_str(m.probability), "cost": m.cost.as_dict()}
                   for fm, m in zip(f["members"], team.members, strict=True)]
        explanation = {
            "eligible_pool": f["eligible_pool"], "exclusions": f["exclusions"],
            "team_cost": sum(m.cost.real for m in team.members),
            "probabilities": odds.get(pid, []), "solve_id": solve_id, "engine_mode": assignment.mode,
            "as_of": solved.inp.context.as_of.isoformat(), "round": solved.inp.context.round,
        }
        cause = causes.get(pid)
        rows.append({"id": ids[pid], "problem_id": pid, "solve_id": solve_id, "round_id": round_id,
                     "town_code": town[pid], "members": members, "mode": mode,
                     "seed": assignment.seed, "q": q, "explanation": explanation, "active": True,
                     "replaces_assignment_id": replaces.get(pid), "at": cause.at if cause else at})
        member_rows += [{"assignment_id": ids[pid], "officer_id": m.officer_id, "problem_id": pid,
                         "role": m.role.value, "town_code": town[pid],
                         "round": solved.inp.context.round, "active": True, "open": True}
                        for m in team.members]
    if not rows:
        return []
    await session.execute(assignments.insert(), rows)
    await session.execute(memberships.insert(), member_rows)
    await changed(session, ctx, [PastAssignment(m["officer_id"], m["problem_id"], m["town_code"], m["round"])
                                 for m in member_rows])
    await _set_status(session, "assigned", {r["problem_id"]: r["at"] for r in rows})
    for row in rows:
        with _traced(causes.get(row["problem_id"])):
            await stage(session, TeamAssigned(
                assignment_id=row["id"], problem_id=row["problem_id"],
                members=[TeamMember(**{k: m[k] for k in TeamMember.model_fields}) for m in row["members"]],
                mode=mode, seed=row["seed"], q=q, eligible_pool=row["explanation"]["eligible_pool"],
                exclusions=row["explanation"]["exclusions"],
                replaces_assignment_id=row["replaces_assignment_id"], at=row["at"]), SOURCE)
    return rows


async def record_escalations(
    session: AsyncSession, solve_id: str | None, found: tuple[Escalation, ...], at: datetime,
    cause: str = "solve", causes: Mapping[str, Cause] | None = None,
) -> list[dict[str, Any]]:
    """Store each unstaffable problem with its certificate and stage its TeamUnstaffable (the
    ledger escalates it: 无法回避, 提级办理)."""
    if not found:
        return []
    causes = causes or {}
    # A problem with two hopeless slots has two certificates; one proves it, and the ledger
    # is to escalate it once (one row, one TeamUnstaffable); the solve keeps them all.
    first: dict[str, Escalation] = {}
    for e in found:
        first.setdefault(e.problem_id, e)
    ids = await _numbered_ids(session, escalations, first, "!", causes)
    rows = []
    for f in unstaffable_fields(tuple(first.values())):
        opened = causes.get(f["problem_id"])
        rows.append({"id": ids[f["problem_id"]], "problem_id": f["problem_id"], "solve_id": solve_id,
                     "cause": cause, "certificate": f["certificate"], "summary": f["reason"],
                     "at": opened.at if opened else at})
    await session.execute(escalations.insert(), rows)
    await _set_status(session, "unstaffable", {r["problem_id"]: r["at"] for r in rows})
    for row in rows:
        with _traced(causes.get(row["problem_id"])):
            await stage(session, TeamUnstaffable(problem_id=row["problem_id"], reason=row["summary"],
                                                 certificate=row["certificate"], at=row["at"]), SOURCE)
    return rows
