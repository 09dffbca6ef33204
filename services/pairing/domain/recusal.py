"""Recusal after assignment (事后回避): a member declares a conflict and is replaced.

The declared relation is added to the officer's registry entry (it will count for future
cases too), together with a case relation on this problem (DECLARED_RELATION_CASE), so the
officer is excluded here whatever the relation points at. The slot is refilled under the same
rules as any solve: the cheapest eligible officer (conflicts.exclusions, role qualification,
not already on the team, capacity left after open cases and this assignment's other teams),
by real cost plus the officer's next load step, ties broken by the keyed tie-break. The other
members stay: a recusal must not reshuffle teams that are already at work. When nobody is
left, the record carries a one-slot certificate and the problem is to be escalated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

import numpy as np

from .certificate import Certificate, SlotRef, summarise
from .compiled import ROLE_INDEX, Compiled
from .conflicts import exclusions
from .model import PairingInput, Relation, RelationKind, TargetKind
from .optimiser import members_of
from .policy import Policy, Role, qualifies
from .result import Assignment, Member


@dataclass(frozen=True, slots=True)
class RecusalRecord:
    problem_id: str
    officer_id: str
    declared: Relation
    role: Role
    position: int
    at: datetime
    pool_size: int
    replacement: Member | None
    certificate: Certificate | None


def replace_after_recusal(
    assignment: Assignment,
    inp: PairingInput,
    policy: Policy,
    problem_id: str,
    officer_id: str,
    declared: Relation,
    now: datetime,
) -> tuple[Assignment | None, PairingInput, RecusalRecord]:
    """New assignment (None when the slot cannot be refilled), the updated input (registry
    with the declared relation) and the record of the change."""
    team = assignment.team_of(problem_id)
    position = next(i for i, m in enumerate(team.members) if m.officer_id == officer_id)
    role = team.members[position].role
    case = Relation(RelationKind.OTHER, TargetKind.CASE, problem_id)
    officers = tuple(
        replace(o, relations=(*o.relations, declared, case)) if o.id == officer_id else o
        for o in inp.officers
    )
    updated = replace(inp, officers=officers)
    comp = Compiled(updated, policy)
    problem = comp.problems[comp.prob_index[problem_id]]
    loads = assignment.loads()
    loads[officer_id] -= 1
    open_cases = dict(inp.open_cases)
    on_team = set(team.officer_ids())
    p = comp.prob_index[problem_id]
    best: tuple[int, int] | None = None
    pool = 0
    for j, o in enumerate(comp.officers):
        if o.id in on_team or not qualifies(o, role):
            continue
        history = comp.history_by_officer.get(o.id, ())
        if exclusions(o, problem, policy, inp.context, history, open_cases.get(o.id, 0)):
            continue
        if open_cases.get(o.id, 0) + loads.get(o.id, 0) >= o.capacity:
            continue
        pool += 1
        travel, mismatch, recency, tie = comp.parts(
            np.array([p]), np.array([ROLE_INDEX[role]]), np.array([j])
        )
        step = policy.weights.load * (int(comp.workload[j]) + loads.get(o.id, 0))
        key = (int(travel[0] + mismatch[0] + recency[0]) + step) * comp.scale + int(tie[0])
        if best is None or key < best[0]:
            best = (key, j)
    slot = SlotRef(problem_id, role, position)
    if best is None:
        cert = Certificate(
            (slot,), (), Fraction(0), Fraction(1), summarise((slot,), Fraction(0), 0)
        )
        record = RecusalRecord(problem_id, officer_id, declared, role, position, now, 0, None, cert)
        return None, updated, record
    officer_of_slot = np.full(comp.n_slots, -1, np.int64)
    probability: list[Fraction] = [Fraction(1)] * comp.n_slots
    for t in assignment.teams:
        q = comp.prob_index[t.problem_id]
        for i, m in enumerate(t.members):
            s = int(comp.prob_slot_start[q]) + i
            officer_of_slot[s] = comp.off_index[m.officer_id]
            probability[s] = m.probability
    s = int(comp.prob_slot_start[p]) + position
    officer_of_slot[s] = best[1]
    probability[s] = Fraction(1)
    teams, total, objective = members_of(comp, officer_of_slot, probability)
    new = replace(assignment, teams=teams, total_cost=total, objective=objective)
    member = new.team_of(problem_id).members[position]
    record = RecusalRecord(
        problem_id, officer_id, declared, role, position, now, pool, member, None
    )
    return new, updated, record
