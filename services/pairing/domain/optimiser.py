"""Exact optimiser (精确求解): minimum-cost conflict-free teams for a batch of problems.

Method: min-cost flow (flow.py) on a sparse candidate network, made exact by pricing.
 1. Candidates: for each slot, the k cheapest eligible officers (policy.candidates_per_slot)
    by arc cost. Arc costs never depend on load, so k is only a starting guess.
 2. Solve the sparse network exactly with OR-Tools.
 3. Pricing: compute shortest-path potentials d in the residual network of that optimum and
    scan EVERY eligible (slot, officer) arc of the dense problem, in blocks of rows: an arc
    left out with reduced cost c(s, o) + d(s) - d(o) < 0 could improve the optimum, so all such
    arcs are added and the sparse problem is solved again. When no left-out arc has a negative
    reduced cost, d are valid potentials for the dense network too, so the sparse optimum is
    a dense optimum (LP optimality via reduced costs; integral since the network matrix is
    totally unimodular). This is column generation on a network; it terminates because every
    round adds at least one arc. The sparse network never misses the optimum; it only skips
    arcs that provably cannot be in it.
 4. Infeasible sparse network: compute a maximum flow, take the slots reachable from the
    unfilled ones in its residual network (the source side of a minimum cut) as X and compute
    the dense Hall bound of X (certificate.py). If the bound proves infeasibility, return the
    certificate; otherwise add every dense eligible arc of X's slots and try again. At worst X
    becomes dense, where a min cut always proves infeasibility, so this terminates too.
Slots whose dense pool cannot fill them alone (empty pool, or fewer than 1/q officers in
randomised mode) get one-slot certificates before any flow is built.

Batch mode is `solve_batch` over a period's open problems; incremental mode is
`assign_incremental` for one new problem given the officers' current open cases and history.
Both are the same exact solve; the incremental one simply has one problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from .certificate import Certificate, Escalation, SlotRef, summarise
from .compiled import BOOL, I64, ROLES, Compiled, ranges
from .flow import Network
from .model import PairingInput, Problem
from .policy import Policy
from .result import Assignment, CostBreakdown, Member, SolveStats, Team

BIG = np.iinfo(np.int64).max
Arcs = tuple[I64, I64, I64]  # (slot, officer, scaled cost), sorted by (slot, officer)
BLOCK_CELLS = 1_000_000


@dataclass(frozen=True)
class Infeasible:
    """No conflict-free staffing of the whole batch exists; nothing is assigned."""

    certificates: tuple[Certificate, ...]

    @property
    def escalate(self) -> tuple[str, ...]:
        return tuple(sorted({p for c in self.certificates for p in c.problem_ids()}))


@dataclass
class FlowSolution:
    comp: Compiled
    net: Network
    flow: I64
    dist: I64
    stats: SolveStats = field(default_factory=SolveStats)


def chunks(n_rows: int, n_cols: int) -> list[I64]:
    size = max(1, BLOCK_CELLS // max(n_cols, 1))
    return [np.arange(i, min(i + size, n_rows), dtype=np.int64) for i in range(0, n_rows, size)]


def slot_ref(comp: Compiled, slot: int) -> SlotRef:
    p = int(comp.slot_prob[slot])
    return SlotRef(
        problem_id=comp.problems[p].id,
        role=ROLES[int(comp.slot_role[slot])],
        position=slot - int(comp.prob_slot_start[p]),
    )


def scaled_load_costs(comp: Compiled) -> list[I64]:
    w = comp.policy.weights.load * comp.scale
    return [
        (w * (comp.workload[o] + np.arange(comp.remaining[o], dtype=np.int64))).astype(np.int64)
        for o in range(comp.n_off)
    ]


def make_network(comp: Compiled, arcs: Arcs, a: int, b: int, pair_keys: I64 | None) -> Network:
    return Network(
        n_slots=comp.n_slots,
        n_off=comp.n_off,
        slot_prob=comp.slot_prob,
        arc_slot=arcs[0],
        arc_off=arcs[1],
        arc_cost=arcs[2],
        remaining=comp.remaining,
        load_cost=scaled_load_costs(comp),
        a=a,
        b=b,
        pair_keys=pair_keys,
    )


def merge(arcs: Arcs, extra: Arcs, n_off: int) -> Arcs:
    slot = np.concatenate([arcs[0], extra[0]])
    off = np.concatenate([arcs[1], extra[1]])
    cost = np.concatenate([arcs[2], extra[2]])
    _, first = np.unique(slot * max(n_off, 1) + off, return_index=True)
    return slot[first], off[first], cost[first]  # np.unique sorts: canonical (slot, officer)


def top(values: I64, k: int) -> I64:
    """Column indices of the k smallest values per row (all columns when k >= width)."""
    if k >= values.shape[1]:
        return np.broadcast_to(np.arange(values.shape[1]), values.shape)
    return np.argpartition(values, k - 1, axis=1)[:, :k]


class Dense:
    """Real cost, tie-break and eligibility of every (slot, officer), computed once per solve
    (int32 + uint8 + bool: 6 bytes a pair), plus the starting candidates: per slot the
    `candidates_per_slot` cheapest officers and the `spread_per_slot` cheapest when travel is
    ignored, so the sparse network reaches officers all over the province and pricing has
    little to add."""

    def __init__(self, comp: Compiled, a: int, b: int) -> None:
        s_count, n_off = comp.n_slots, comp.n_off
        self.scale = comp.scale
        self.real = np.empty((s_count, n_off), np.int32)
        self.tie = np.empty((s_count, n_off), np.uint8)
        self.elig = np.empty((s_count, n_off), bool)
        policy = comp.policy
        k1 = max(policy.candidates_per_slot, 3 * -(-b // a))
        slots, offs, hopeless = [], [], []
        for rows in chunks(s_count, n_off):
            blk = comp.block(rows)
            if blk.real.size and blk.real.max() >= 2**31:
                raise OverflowError("real cost too large")
            self.real[rows] = blk.real
            self.tie[rows] = blk.tie
            self.elig[rows] = blk.eligible
            for values, k in (
                (blk.cost, k1),
                (blk.cost - blk.travel * comp.scale, policy.spread_per_slot),
            ):
                if k <= 0:
                    continue
                idx = top(np.where(blk.eligible, values, BIG), k)
                keep = np.take_along_axis(blk.eligible, idx, axis=1)
                slots.append(np.broadcast_to(rows[:, None], idx.shape)[keep])
                offs.append(idx[keep].astype(np.int64))
            # one slot alone: at most min(b * remaining, a) units per officer
            alone = (np.minimum(b * comp.remaining, a)[None, :] * blk.eligible).sum(axis=1)
            hopeless.extend(int(x) for x in rows[alone < b])
        self.hopeless = hopeless
        empty = np.zeros(0, np.int64)
        slot = np.concatenate(slots) if slots else empty
        off = np.concatenate(offs) if offs else empty
        self.start: Arcs = merge((slot, off, self.cost_at(slot, off)), (empty, empty, empty), n_off)

    def cost(self, rows: I64) -> I64:
        return self.real[rows].astype(np.int64) * self.scale + self.tie[rows]

    def cost_at(self, slot: I64, off: I64) -> I64:
        return self.real[slot, off].astype(np.int64) * self.scale + self.tie[slot, off]


def one_slot_certificate(comp: Compiled, slot: int, a: int, b: int) -> Certificate:
    blk = comp.block(np.array([slot], np.int64))
    q = Fraction(a, b)
    shares = tuple(
        (comp.officers[o].id, min(Fraction(int(comp.remaining[o])), q))
        for o in np.flatnonzero(blk.eligible[0])
    )
    bound = sum((v for _, v in shares), Fraction(0))
    refs = (slot_ref(comp, slot),)
    return Certificate(refs, shares, bound, q, summarise(refs, bound, len(shares)))


def dense_bound(comp: Compiled, dense: Dense, xs: I64, a: int, b: int) -> tuple[Fraction, dict[int, Fraction]]:
    """Hall bound of the slot set xs on the dense eligibility (see certificate.py)."""
    counts = np.zeros(comp.n_off, np.int64)
    probs = comp.slot_prob[xs]
    for p in np.unique(probs):
        counts += dense.elig[xs[probs == p]].any(axis=0)
    q = Fraction(a, b)
    shares = {
        int(o): min(Fraction(int(comp.remaining[o])), q * int(counts[o]))
        for o in np.flatnonzero(counts)
    }
    return sum(shares.values(), Fraction(0)), shares


def feasibility(comp: Compiled, dense: Dense, arcs: Arcs, a: int, b: int) -> tuple[Arcs, Certificate | None]:
    """Augment `arcs` until the slots can all be filled, or prove they cannot. Every pair
    constraint is in this network (pair_keys=None), so a cut here is a cut of the real model."""
    while True:
        net = make_network(comp, arcs, a, b, None)
        flow = net.max_flow()
        out = np.bincount(net.arc_slot, weights=net.slot_flows(flow), minlength=comp.n_slots)
        unfilled = np.flatnonzero(out < b)
        if len(unfilled) == 0:
            return arcs, None
        seen = net.reachable(flow, unfilled)
        xs = np.flatnonzero(seen[: comp.n_slots]).astype(np.int64)
        bound, shares = dense_bound(comp, dense, xs, a, b)
        if bound < len(xs):
            refs = tuple(slot_ref(comp, int(x)) for x in xs)
            officers = tuple((comp.officers[o].id, v) for o, v in sorted(shares.items()))
            summary = summarise(refs, bound, len(shares))
            return arcs, Certificate(refs, officers, bound, Fraction(a, b), summary)
        r, o = np.nonzero(dense.elig[xs])
        arcs = merge(arcs, (xs[r], o.astype(np.int64), dense.cost_at(xs[r], o)), comp.n_off)


def violations(comp: Compiled, dense: Dense, net: Network, dist: I64, arcs: Arcs) -> Arcs:
    """Left-out eligible arcs with negative reduced cost: the `pricing_per_slot` most negative
    of each slot (partial pricing; the loop repeats until there are none at all)."""
    s_count, n_off = comp.n_slots, comp.n_off
    m = max(1, comp.policy.pricing_per_slot)
    d_slot, d_off = dist[:s_count], dist[s_count : s_count + n_off]
    cand_slot, cand_off = arcs[0], arcs[1]
    cand_start = np.searchsorted(cand_slot, np.arange(s_count + 1))
    # positions whose (problem, officer) has a pair node: their head is the pair node
    counts = comp.prob_slot_start[net.pair_prob + 1] - comp.prob_slot_start[net.pair_prob]
    sp_slot = ranges(comp.prob_slot_start[net.pair_prob], counts)
    sp_off = np.repeat(net.pair_off, counts)
    sp_node = np.repeat(net.pair_node0 + np.arange(net.n_pairs), counts)
    out_s, out_o = [], []
    for rows in chunks(s_count, n_off):
        rc = dense.cost(rows) + d_slot[rows][:, None] - d_off[None, :]
        bad = dense.elig[rows] & (rc < 0)
        n = cand_start[rows + 1] - cand_start[rows]
        bad[np.repeat(np.arange(len(rows)), n), cand_off[ranges(cand_start[rows], n)]] = False
        inside = (sp_slot >= rows[0]) & (sp_slot <= rows[-1])
        bad[sp_slot[inside] - rows[0], sp_off[inside]] = False
        hit = np.flatnonzero(bad.any(axis=1))
        if len(hit) == 0:
            continue
        idx = top(np.where(bad[hit], rc[hit], BIG), m)
        keep = np.take_along_axis(bad[hit], idx, axis=1)
        out_s.append(np.broadcast_to(rows[hit][:, None], idx.shape)[keep])
        out_o.append(idx[keep].astype(np.int64))
    if len(sp_slot):
        cost = dense.cost_at(sp_slot, sp_off)
        is_cand = np.isin(sp_slot * n_off + sp_off, cand_slot * n_off + cand_off)
        bad = ~is_cand & dense.elig[sp_slot, sp_off] & (cost + d_slot[sp_slot] - dist[sp_node] < 0)
        out_s.append(sp_slot[bad])
        out_o.append(sp_off[bad])
    empty = np.zeros(0, np.int64)
    slot = np.concatenate(out_s) if out_s else empty
    off = np.concatenate(out_o) if out_o else empty
    return slot, off, dense.cost_at(slot, off)


def likely_pairs(comp: Compiled, arcs: Arcs, t: int) -> I64:
    """(problem, officer) keys where the officer is among the t cheapest candidates of two or
    more slots of the team: the places where a duplicate is likely, given pair nodes at once
    so the lazy loop below has little left to add."""
    slot, off, cost = arcs
    order = np.lexsort((off, cost, slot))
    first = np.searchsorted(slot[order], slot[order])
    rank = np.arange(len(order)) - first
    pick = order[rank < t]
    key = comp.slot_prob[slot[pick]] * max(comp.n_off, 1) + off[pick]
    uniq, counts = np.unique(key, return_counts=True)
    return uniq[counts >= 2]


def duplicated_pairs(comp: Compiled, net: Network, flow: I64) -> I64:
    """(problem, officer) keys whose total flow exceeds the pair capacity a: the relaxed
    network put one officer on two slots of one team (or above q)."""
    key = comp.slot_prob[net.arc_slot] * max(comp.n_off, 1) + net.arc_off
    f = net.slot_flows(flow)
    used = f > 0
    uniq, inv = np.unique(key[used], return_inverse=True)
    total = np.bincount(inv, weights=f[used], minlength=len(uniq))
    return uniq[total > net.a]


def solve_flow(comp: Compiled, a: int = 1, b: int = 1) -> FlowSolution | Infeasible:
    """Exact optimum of the (possibly scaled) flow model, or certificates.

    Pair nodes are added lazily: the network starts without the "one officer, one slot per
    team" constraints, and a pair node is added for each (problem, officer) that an optimum
    over-uses, until none is. The relaxation's optimum is a lower bound, so an optimum that
    already satisfies every pair constraint is an optimum of the real model."""
    dense = Dense(comp, a, b)
    if dense.hopeless:
        return Infeasible(tuple(one_slot_certificate(comp, x, a, b) for x in dense.hopeless))
    arcs = dense.start
    pair_keys = likely_pairs(comp, arcs, comp.policy.pair_seed_rank)
    solves, added, fallback = 0, 0, False
    while True:
        net = make_network(comp, arcs, a, b, pair_keys)
        flow = net.solve()
        solves += 1
        if flow is None:
            before = len(arcs[0])
            arcs, cert = feasibility(comp, dense, arcs, a, b)
            if cert is not None:
                return Infeasible((cert,))
            added += len(arcs[0]) - before
            fallback = True
            continue
        dup = duplicated_pairs(comp, net, flow)
        if len(dup):
            pair_keys = np.union1d(pair_keys, dup)
            continue
        dist = net.potentials(flow)
        extra = violations(comp, dense, net, dist, arcs)
        if len(extra[0]) == 0:
            stats = SolveStats(
                slots=comp.n_slots,
                candidate_arcs=len(arcs[0]),
                pair_nodes=net.n_pairs,
                solves=solves,
                arcs_added_by_check=added,
                dense_fallback=fallback,
            )
            return FlowSolution(comp, net, flow, dist, stats)
        added += len(extra[0])
        arcs = merge(arcs, extra, comp.n_off)


def members_of(comp: Compiled, officer_of_slot: I64, probability: list[Fraction] | None = None) -> tuple[tuple[Team, ...], int, int]:
    """Teams with cost breakdowns for an integral slot -> officer choice."""
    slots = np.arange(comp.n_slots, dtype=np.int64)
    travel, mismatch, recency, tie = comp.parts(
        comp.slot_prob, comp.slot_role, officer_of_slot
    )
    order = np.argsort(officer_of_slot, kind="stable")
    sorted_off = officer_of_slot[order]
    first = np.searchsorted(sorted_off, sorted_off)
    rank = np.empty(comp.n_slots, np.int64)
    rank[order] = slots - first
    load = comp.policy.weights.load * (comp.workload[officer_of_slot] + rank)
    teams = []
    for p, problem in enumerate(comp.problems):
        members = []
        for s in range(int(comp.prob_slot_start[p]), int(comp.prob_slot_start[p + 1])):
            cost = CostBreakdown(
                travel=int(travel[s]),
                mismatch=int(mismatch[s]),
                recency=int(recency[s]),
                load=int(load[s]),
                tie_break=int(tie[s]),
            )
            prob = probability[s] if probability is not None else Fraction(1)
            members.append(
                Member(ROLES[int(comp.slot_role[s])], comp.officers[int(officer_of_slot[s])].id, cost, prob)
            )
        teams.append(Team(problem.id, tuple(members)))
    total = int((travel + mismatch + recency + load).sum())
    objective = total * comp.scale + int(tie.sum())
    return tuple(teams), total, objective


def integral_choice(sol: FlowSolution) -> I64:
    net = sol.net
    used = np.flatnonzero(net.slot_flows(sol.flow) > 0)
    officer_of_slot = np.full(net.n_slots, -1, np.int64)
    officer_of_slot[net.arc_slot[used]] = net.arc_off[used]
    return officer_of_slot


def solve_batch(inp: PairingInput, policy: Policy | None = None) -> Assignment | Infeasible:
    """Exact deterministic optimum for all of `inp.problems`, or certificates (nothing assigned)."""
    policy = policy or Policy()
    comp = Compiled(inp, policy)
    sol = solve_flow(comp)
    if isinstance(sol, Infeasible):
        return sol
    teams, total, objective = members_of(comp, integral_choice(sol))
    return Assignment(teams=teams, total_cost=total, objective=objective, stats=sol.stats)


def assign_incremental(problem: Problem, inp: PairingInput, policy: Policy | None = None) -> Assignment | Infeasible:
    """One new problem, given current open cases and history in `inp` (its problems ignored)."""
    return solve_batch(replace(inp, problems=(problem,)), policy)


@dataclass(frozen=True)
class Outcome:
    """Assignment of every problem that can be staffed, and escalations with proofs."""

    assignment: Assignment | None
    escalations: tuple[Escalation, ...]


def solve_with_escalation(inp: PairingInput, policy: Policy | None = None) -> Outcome:
    """Escalate the problems of each certificate and solve the rest as its own instance."""
    policy = policy or Policy()
    escalations: list[Escalation] = []
    current = inp
    while current.problems:
        result = solve_batch(current, policy)
        if isinstance(result, Assignment):
            return Outcome(result, tuple(escalations))
        for cert in result.certificates:
            escalations.extend(Escalation(pid, cert) for pid in cert.problem_ids())
        dropped = set(result.escalate)
        current = replace(current, problems=tuple(p for p in current.problems if p.id not in dropped))
    return Outcome(None, tuple(escalations))
