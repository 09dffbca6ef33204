"""Explanations for auditors (派组说明): why this team, and why not officer X.

For a problem: the eligible pool of each slot, how many officers each exclusion reason
removed (an officer with two reasons counts under both; `excluded` counts each officer once),
the chosen members' cost breakdowns and their probabilities (1 in exact mode).

`why_not(officer, problem)` answers with the first that applies:
  on_team        the officer is on the team (role given);
  excluded       the conflict reasons (conflicts.Reason) that rule the officer out;
  not_qualified  the officer qualifies for none of the team's roles (e.g. no finance skill);
  capacity_used  the officer's capacity is filled by open cases and this solve's other teams;
  costlier       eligible, but putting the officer in place of a member (same role) would
                 raise the total by `delta` cost units: the arc cost difference plus the load
                 step (the officer's next case against the member's last one). In exact mode
                 delta >= 0 for every such swap, because the assignment is optimal.
                 In randomised mode the officer's probability for this team is given too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .compiled import I64, ROLE_INDEX, Compiled, ranges
from .conflicts import Reason, exclusions
from .model import PairingInput, PastAssignment
from .policy import Policy, Role, qualifies
from .result import Assignment, Member


@dataclass(frozen=True, slots=True)
class Explanation:
    problem_id: str
    pool_size: int  # officers eligible for at least one slot
    slot_pools: tuple[tuple[Role, int], ...]
    excluded: int
    exclusions: tuple[tuple[Reason, int], ...]
    members: tuple[Member, ...]
    mode: str
    seed: str | None


@dataclass(frozen=True, slots=True)
class SwapCost:
    role: Role
    replaces: str
    delta: int  # real cost units
    tie_break_delta: int


@dataclass(frozen=True, slots=True)
class WhyNot:
    officer_id: str
    problem_id: str
    status: str  # on_team | excluded | not_qualified | capacity_used | costlier
    reasons: tuple[Reason, ...] = ()
    role: Role | None = None
    load: int = 0
    capacity: int = 0
    swaps: tuple[SwapCost, ...] = ()
    probability: Fraction = Fraction(0)

    @property
    def delta(self) -> int | None:
        return min((s.delta for s in self.swaps), default=None)


def _history(inp: PairingInput, officer_id: str) -> list[PastAssignment]:
    return [h for h in inp.history if h.officer_id == officer_id]


def explain(
    assignment: Assignment, inp: PairingInput, policy: Policy, problem_id: str
) -> Explanation:
    problem = next(p for p in inp.problems if p.id == problem_id)
    roles = policy.roles_for(problem.category)
    open_cases = dict(inp.open_cases)
    by_reason: Counter[Reason] = Counter()
    pools = [0] * len(roles)
    pool = excluded = 0
    for officer in inp.officers:
        reasons = exclusions(
            officer,
            problem,
            policy,
            inp.context,
            _history(inp, officer.id),
            open_cases.get(officer.id, 0),
        )
        if reasons:
            excluded += 1
            by_reason.update(reasons)
            continue
        fits = [qualifies(officer, r) for r in roles]
        pools = [n + f for n, f in zip(pools, fits, strict=True)]
        pool += any(fits)
    team = assignment.team_of(problem_id)
    return Explanation(
        problem_id=problem_id,
        pool_size=pool,
        slot_pools=tuple(zip(roles, pools, strict=True)),
        excluded=excluded,
        exclusions=tuple(sorted(by_reason.items(), key=lambda kv: list(Reason).index(kv[0]))),
        members=team.members,
        mode=assignment.mode,
        seed=assignment.seed,
    )


def why_not(
    assignment: Assignment,
    inp: PairingInput,
    policy: Policy,
    officer_id: str,
    problem_id: str,
    comp: Compiled | None = None,
) -> WhyNot:
    comp = comp or Compiled(inp, policy)
    officer = comp.officers[comp.off_index[officer_id]]
    p = comp.prob_index[problem_id]
    problem = comp.problems[p]
    team = assignment.team_of(problem_id)
    probability = next(
        (v for pid, oid, v in assignment.probabilities if pid == problem_id and oid == officer_id),
        Fraction(0),
    )
    for m in team.members:
        if m.officer_id == officer_id:
            return WhyNot(officer_id, problem_id, "on_team", role=m.role, probability=m.probability)
    open_cases = dict(inp.open_cases).get(officer_id, 0)
    reasons = exclusions(
        officer, problem, policy, inp.context, _history(inp, officer_id), open_cases
    )
    if reasons:
        return WhyNot(officer_id, problem_id, "excluded", reasons=tuple(reasons))
    if not any(qualifies(officer, m.role) for m in team.members):
        return WhyNot(officer_id, problem_id, "not_qualified")
    loads = assignment.loads()
    load = open_cases + loads.get(officer_id, 0)
    if load >= officer.capacity:
        return WhyNot(officer_id, problem_id, "capacity_used", load=load, capacity=officer.capacity)
    w = policy.weights.load
    o = comp.off_index[officer_id]
    swaps = []
    for m in team.members:
        if not qualifies(officer, m.role):
            continue
        r = np.array([ROLE_INDEX[m.role]])
        travel, mismatch, recency, tie = comp.parts(np.array([p]), r, np.array([o]))
        mine = int(travel[0] + mismatch[0] + recency[0])
        theirs = m.cost.travel + m.cost.mismatch + m.cost.recency
        j = comp.off_index[m.officer_id]
        their_last = w * (int(comp.workload[j]) + loads.get(m.officer_id, 0) - 1)
        my_next = w * (int(comp.workload[o]) + loads.get(officer_id, 0))
        swaps.append(
            SwapCost(
                m.role,
                m.officer_id,
                mine - theirs + my_next - their_last,
                int(tie[0]) - m.cost.tie_break,
            )
        )
    return WhyNot(
        officer_id,
        problem_id,
        "costlier",
        load=load,
        capacity=officer.capacity,
        swaps=tuple(swaps),
        probability=probability,
    )


@dataclass(frozen=True, slots=True)
class PoolSummary:
    """Per problem, for the TeamAssigned event: officers eligible for at least one slot, and
    officers excluded per reason (an officer with two reasons counts under both)."""

    pool_size: int
    exclusions: dict[str, int]


def pool_summaries(comp: Compiled) -> dict[str, PoolSummary]:
    """PoolSummary of every problem, vectorised (the same rules as `explain`, which a test
    checks, at a cost fit for a 10,000-problem batch): the key join of Compiled, without
    building any (problem, officer) matrix."""
    reasons = list(Reason)
    r_index = {r: i for i, r in enumerate(reasons)}
    n_reasons, n_off, n_prob = len(reasons), max(comp.n_off, 1), comp.n_prob
    counts = np.zeros((n_prob, n_reasons), np.int64)
    if len(comp.block_rows) and len(comp.key_rows):
        oa = comp.block_rows[np.argsort(comp.block_rows[:, 0], kind="stable")]
        start = np.searchsorted(oa[:, 0], np.arange(comp.n_keys + 1))
        pa = comp.key_rows
        n = start[pa[:, 1] + 1] - start[pa[:, 1]]
        idx = ranges(start[pa[:, 1]], n)
        i, j, r = np.repeat(pa[:, 0], n), oa[idx, 1], oa[idx, 2]
        triple = np.sort((i * n_off + j) * n_reasons + r)
        triple = triple[np.concatenate([[True], triple[1:] != triple[:-1]])]
        cell = triple // n_reasons // n_off * n_reasons + triple % n_reasons
        counts += np.bincount(cell, minlength=n_prob * n_reasons).reshape(n_prob, n_reasons)
    unavailable = int((~np.array([o.available for o in comp.officers], bool)).sum())
    full = int((comp.remaining <= 0).sum())
    counts[:, r_index[Reason.UNAVAILABLE]] += unavailable
    counts[:, r_index[Reason.NO_CAPACITY]] += full
    allowed = comp.off_is_county[None, :]
    if comp.policy.escalated_same_county:
        allowed = allowed & (comp.off_county[None, :] == comp.prob_county[:, None])
    blocked = (
        (~allowed).sum(axis=1) if allowed.ndim == 2 else np.full(n_prob, (~allowed).sum())
    )
    counts[:, r_index[Reason.ESCALATED_LEVEL]] += np.where(comp.prob_escalated, blocked, 0)
    pool = pool_sizes(comp)
    return {
        p.id: PoolSummary(
            int(pool[i]), {reasons[r].value: int(counts[i, r]) for r in np.flatnonzero(counts[i])}
        )
        for i, p in enumerate(comp.problems)
    }


def pool_sizes(comp: Compiled) -> I64:
    """Officers eligible for at least one slot of each problem (as Compiled.block): those
    qualified for a role of its template and available with capacity, less the excluded
    ones, and for a 提级 problem only county-level officers (of its county, by policy)."""
    n_prob = comp.n_prob
    first = comp.prob_slot_start[:-1]
    width = np.diff(comp.prob_slot_start)
    # officers qualified for some role of each problem's template, by template
    roles = np.zeros((n_prob, len(ROLE_INDEX)), bool)
    for k in range(int(width.max(initial=0))):
        has = width > k
        roles[np.flatnonzero(has), comp.slot_role[first[has] + k]] = True
    kinds, kind_of = np.unique(roles, axis=0, return_inverse=True)
    kind_of = kind_of.reshape(-1)
    fit = (kinds.astype(np.int64) @ comp.qual.astype(np.int64) > 0) & comp.wide_ok[None, :]
    pool = fit.sum(axis=1)[kind_of]
    n_excl = comp.excl_start[1:] - comp.excl_start[:-1]
    rows = np.repeat(np.arange(n_prob), n_excl)
    excluded_fit = fit[kind_of[rows], comp.excl_off]
    esc = np.flatnonzero(comp.prob_escalated)
    if len(esc):
        allowed = np.broadcast_to(comp.off_is_county, (len(esc), comp.n_off))
        if comp.policy.escalated_same_county:
            allowed = allowed & (comp.off_county[None, :] == comp.prob_county[esc][:, None])
        esc_fit = fit[kind_of[esc]] & allowed
        pool[esc] = esc_fit.sum(axis=1)
        where = np.full(n_prob, -1, np.int64)
        where[esc] = np.arange(len(esc))
        on_esc = where[rows] >= 0
        excluded_fit[on_esc] = esc_fit[where[rows[on_esc]], comp.excl_off[on_esc]]
    out: I64 = pool - np.bincount(rows[excluded_fit], minlength=n_prob)
    return out
