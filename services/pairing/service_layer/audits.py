"""Audit (复核) of a recorded team or escalation, on the input the engine had.

Exclusions and the eligible pool are re-derived by the domain's independent audit code path
(audit.conflict_codes, audit.role_ok: written without the engine's rule code) and compared with
what was recorded and published; the team is checked rule by rule (audit.audit); the stored
input's digest is recomputed; and on request the solve is re-run from the stored input and its
canonical output compared byte for byte with the stored one.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import certificate_from_dict
from services.pairing.adapters.tables import escalations
from services.pairing.domain.audit import audit, conflict_codes, role_ok
from services.pairing.domain.canonical import input_digest
from services.pairing.domain.certificate import check_certificate
from services.pairing.domain.model import PairingInput, PastAssignment, Problem
from services.pairing.domain.policy import Policy
from services.pairing.domain.result import canonical_dumps
from services.pairing.service_layer.context import PairingContext, policy_params
from services.pairing.service_layer.solves import StoredSolve, assignment_row, load_solve
from services.pairing.service_layer.solving import SolveMode, run
from shared.http.errors import ApiError


def rederive(inp: PairingInput, policy: Policy, problem: Problem, roles: Sequence[str] | None = None,
             leave_out: frozenset[str] = frozenset()) -> tuple[int, dict[str, int]]:
    """(eligible pool, officers excluded per reason) on the audit's code path; the pool counts
    officers with no conflict who qualify for one of `roles` (default: the team's roles)."""
    history: dict[str, list[PastAssignment]] = defaultdict(list)
    for past in inp.history:
        history[past.officer_id].append(past)
    open_cases = dict(inp.open_cases)
    roles = roles or [r.value for r in policy.roles_for(problem.category)]
    counts: Counter[str] = Counter()
    pool = 0
    for officer in inp.officers:
        if officer.id in leave_out:
            continue
        codes = conflict_codes(officer, problem, policy, inp.context, history.get(officer.id, ()),
                               open_cases.get(officer.id, 0))
        counts.update(codes)
        pool += not codes and any(role_ok(officer, r) for r in roles)
    return pool, dict(sorted(counts.items()))


def replay(stored: StoredSolve) -> dict[str, Any]:
    """Re-run a stored incremental or round solve and compare its canonical output."""
    row = stored.row
    mode = SolveMode(Fraction(row["q"]) if row["q"] else None, row["published_value"])
    outcome = run(stored.inp, stored.policy, mode)
    again = outcome.assignment.as_dict() if outcome.assignment else None
    escalated = [{"problem_id": e.problem_id, "certificate": e.certificate.as_dict()}
                 for e in outcome.escalations]
    same = (canonical_dumps(again) == canonical_dumps(stored.result)
            and canonical_dumps(escalated) == canonical_dumps(row["escalations"]))
    return {"identical": same, "seed": again["seed"] if again else None}


async def audit_assignment(session: AsyncSession, ctx: PairingContext, assignment_id: str,
                           rerun: bool) -> dict[str, Any]:
    row = await assignment_row(session, assignment_id)
    stored = await load_solve(session, ctx, row["solve_id"])
    assert stored.assignment is not None
    problem = stored.problem(row["problem_id"])
    team = stored.assignment.team_of(problem.id)

    def check() -> dict[str, Any]:
        only = replace(stored.inp, problems=(problem,))
        violations = audit([team], only, stored.policy)
        pool, exclusions = rederive(stored.inp, stored.policy, problem)
        out = {
            "violations": [{"officer_id": v.officer_id, "code": v.code} for v in violations],
            "eligible_pool": pool, "exclusions": exclusions,
            "input_digest": input_digest(stored.inp, stored.policy),
        }
        if rerun and stored.row["kind"] != "recusal":
            out["replay"] = replay(stored)
        return out

    found = await asyncio.to_thread(check)
    recorded = row["explanation"]
    key_same = policy_params(ctx.policy)["tiebreak_key_sha256"] == stored.row["policy"]["tiebreak_key_sha256"]
    return {
        "assignment_id": row["id"], "problem_id": problem.id, "solve_id": row["solve_id"],
        "solve_kind": stored.row["kind"],
        "team": [m["officer_id"] for m in row["members"]],
        "team_matches_engine": [m["officer_id"] for m in row["members"]] == list(team.officer_ids()),
        "violations": found["violations"],
        "exclusions": found["exclusions"],
        "recorded_exclusions": recorded["exclusions"],
        "eligible_pool": found["eligible_pool"],
        "recorded_eligible_pool": recorded["eligible_pool"],
        "exclusions_match": found["exclusions"] == recorded["exclusions"]
        and found["eligible_pool"] == recorded["eligible_pool"],
        "input_intact": stored.intact,
        "tiebreak_key_unchanged": key_same,
        "engine_input_digest": found["input_digest"],  # canonical.input_digest, as a draw's seed uses
        "replay": found.get("replay"),
    }


async def audit_escalation(session: AsyncSession, ctx: PairingContext, escalation_id: str) -> dict[str, Any]:
    row = (await session.execute(sa.select(escalations).where(escalations.c.id == escalation_id))
           ).mappings().first()
    if row is None:
        raise ApiError(404, "escalation_not_found", f"no escalation {escalation_id}")
    stored = await load_solve(session, ctx, row["solve_id"])
    cert = certificate_from_dict(row["certificate"])

    kept: frozenset[str] = frozenset()
    if row["cause"] == "recusal":
        replaced = await assignment_row(session, stored.row["stats"]["replaces_assignment_id"])
        kept = frozenset(m["officer_id"] for m in replaced["members"])

    def check() -> bool:
        if row["cause"] == "recusal":
            # The other members stay, so the proof is that nobody outside the replaced team can take
            # the slot (the recused member, who is in it, just declared a conflict on this case).
            slot = cert.slots[0]
            problem = stored.problem(slot.problem_id)
            pool, _ = rederive(stored.inp, stored.policy, problem, [slot.role.value], kept)
            return pool == 0
        return check_certificate(cert, stored.inp, stored.policy)

    valid = await asyncio.to_thread(check)
    return {"escalation_id": row["id"], "problem_id": row["problem_id"], "cause": row["cause"],
            "summary": row["summary"], "need": cert.need, "bound": row["certificate"]["bound"],
            "valid": valid}
