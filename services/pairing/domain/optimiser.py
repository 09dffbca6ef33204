"""Exact optimiser (精确求解): minimum-cost conflict-free teams for a batch of problems.

Two networks, one model. `solve_batch` (the deterministic mode) solves the team network of
teams.py, one node per team, whenever every template has one or two slots and an officer who
can fill both slots of a team costs the same in either (always so with the default policy);
otherwise, and in randomised mode (randomised.py, where the LP caps every (officer, problem)
at q), `solve_flow` below solves the slot network of flow.py. Both use the same candidates,
pricing and certificates scheme, and both return an optimum of the real cost over all
conflict-free teams; which of several equal-cost optima is returned depends on the network
(the tie-break chooses among the optima of the final network), so the two networks may pick
different teams of the same cost. Certificates always come from the slot network's steps.

Method of `solve_flow`: min-cost flow (flow.py) on a sparse candidate network, made exact by
pricing.
 1. Candidates: for each slot, the k cheapest eligible officers (policy.candidates_per_slot)
    by arc cost, and a few cheapest when travel is ignored (spread_per_slot). After the first
    solve the set is re-drawn once from that solve's potentials (reprice): per slot the
    officers with the lowest reduced cost, i.e. priced by how loaded they are.
 2. Solve the sparse network exactly with OR-Tools, arc cost = real cost * scale + tie-break
    (compiled.py). Since the tie-breaks of all slots add up to less than `scale`, an optimum
    of these costs is also an optimum of the real costs alone.
 3. Pricing: compute shortest-path potentials d for the REAL costs in the residual network of
    that optimum and scan EVERY eligible (slot, officer) arc of the dense problem, in blocks
    of rows. An arc left out with real reduced cost c(s, o) + d(s) - d(o) < 0 could improve
    the optimum: such arcs (the most negative `pricing_per_slot` per slot, with the others
    below one load step) are added and the sparse problem is solved again. When no left-out
    arc has a negative reduced cost, d are valid potentials of the dense network, so the
    sparse optimum is a dense optimum of the real cost (LP optimality by reduced costs;
    integral because the network matrix is totally unimodular). Column generation on a
    network: it terminates because every round adds at least one arc.
    Pricing on real costs, not on the tie-broken ones, is deliberate: the tie-break only
    chooses among real optima of the final candidate network (deterministically, since the
    network is built in canonical order), and pricing every sub-unit tie would spend rounds
    on ties that cannot change the real cost. Measured exactness: equal to an independent
    HiGHS MIP and to the dense network (tests/unit/pairing/test_optimiser.py).
 4. Infeasible sparse network: compute a maximum flow, take the slots reachable from the
    unfilled ones in its residual network (the source side of a minimum cut) as X and compute
    the dense Hall bound of X (certificate.py). If the bound proves infeasibility, return the
    certificate; otherwise add every dense eligible arc of X's slots and try again. At worst X
    becomes dense, where a min cut always proves infeasibility, so this terminates too.
Slots whose dense pool cannot fill them alone (empty pool, or fewer than 1/q officers in
randomised mode) get one-slot certificates before any flow is built.

Code: candidates.py (dense costs, candidates, reprice, pricing), feasibility.py (step 4 and
the one-slot check), flow.py (the network). Batch mode is `solve_batch` over a period's open
problems; incremental mode is the same exact solve over the few new problems of one consumer
fetch (`assign_incremental` for one), given the officers' current open cases and history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from .candidates import Dense, duplicated_pairs, make_network, merge, reprice, violations
from .certificate import Certificate, Escalation
from .compiled import I64, ROLES, Compile, Compiled
from .feasibility import feasibility, one_slot_certificate
from .flow import Network
from .model import PairingInput, Problem
from .policy import Policy
from .result import Assignment, CostBreakdown, Member, SolveStats, Team
from .teams import TeamDense, applies, officer_of_slot, solve_teams, union


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


def solve_flow(comp: Compiled, a: int = 1, b: int = 1) -> FlowSolution | Infeasible:
    """Exact optimum of the (possibly scaled) flow model, or certificates.

    Every (problem, officer) that is a candidate of two or more slots gets its pair node, so
    each network solved is the real model restricted to its arcs."""
    dense = Dense(comp, a, b)
    if dense.hopeless:
        return Infeasible(tuple(one_slot_certificate(comp, x, a, b) for x in dense.hopeless))
    arcs = dense.start
    solves, added, fallback = 0, 0, False
    while True:
        net = make_network(comp, arcs, a, b, None)
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
        if len(duplicated_pairs(comp, net, flow)):
            raise AssertionError("an officer fills two slots of one team")
        dist = net.potentials(flow, net.cost // comp.scale)
        if solves <= comp.policy.reprice_rounds:
            arcs = reprice(comp, dense, net, dist, flow)
            continue
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


def members_of(
    comp: Compiled, officer_of_slot: I64, probability: list[Fraction] | None = None
) -> tuple[tuple[Team, ...], int, int]:
    """Teams with cost breakdowns for an integral slot -> officer choice."""
    slots = np.arange(comp.n_slots, dtype=np.int64)
    travel, mismatch, recency, tie = comp.parts(comp.slot_prob, comp.slot_role, officer_of_slot)
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
                Member(
                    ROLES[int(comp.slot_role[s])],
                    comp.officers[int(officer_of_slot[s])].id,
                    cost,
                    prob,
                )
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


def solve_exact(comp: Compiled) -> tuple[I64, SolveStats] | Infeasible:
    """Slot -> officer of the exact optimum on the team network (teams.py), or certificates.
    Certificates come from the same steps as in solve_flow (one-slot pools, then the min cut
    of the slot network on the start candidates of candidates.Dense), so an infeasible batch
    escalates the same problems whichever network is solved."""
    dense = TeamDense(comp)
    if dense.hopeless:
        return Infeasible(tuple(one_slot_certificate(comp, x, 1, 1) for x in dense.hopeless))
    solved = solve_teams(dense, dense.start)
    fallback = solved is None
    if solved is None:
        # no certificate unless the dense problem is infeasible; then the slot network's own
        # feasibility step finds it (or adds the arcs that make its start network feasible)
        slot_dense = Dense(comp, 1, 1)
        arcs, cert = feasibility(comp, slot_dense, slot_dense.start, 1, 1)
        if cert is not None:
            return Infeasible((cert,))
        del slot_dense
        keys = union(dense.start, comp.slot_prob[arcs[0]] * max(comp.n_off, 1) + arcs[1])
        solved = solve_teams(dense, keys)
        if solved is None:
            raise AssertionError("the feasible slot network has no team flow")
    net, flow, stats = solved
    return officer_of_slot(dense, net, flow), replace(stats, dense_fallback=fallback)


def solve_batch(
    inp: PairingInput, policy: Policy | None = None, compile: Compile = Compiled
) -> Assignment | Infeasible:
    """Exact deterministic optimum for all of `inp.problems`, or certificates (nothing assigned).
    `compile`: how the input becomes a Compiled (a caller may reuse the registry's tables)."""
    policy = policy or Policy()
    comp = compile(inp, policy, 1)
    if comp.n_slots == 0:
        teams, total, objective = members_of(comp, np.zeros(0, np.int64))
        return Assignment(teams=teams, total_cost=total, objective=objective, stats=SolveStats())
    if applies(comp):
        exact = solve_exact(comp)
        if isinstance(exact, Infeasible):
            return exact
        choice, stats = exact
        teams, total, objective = members_of(comp, choice)
        return Assignment(teams=teams, total_cost=total, objective=objective, stats=stats)
    sol = solve_flow(comp)
    if isinstance(sol, Infeasible):
        return sol
    teams, total, objective = members_of(comp, integral_choice(sol))
    return Assignment(teams=teams, total_cost=total, objective=objective, stats=sol.stats)


def assign_incremental(
    problem: Problem, inp: PairingInput, policy: Policy | None = None
) -> Assignment | Infeasible:
    """One new problem, given current open cases and history in `inp` (its problems ignored)."""
    return solve_batch(replace(inp, problems=(problem,)), policy)


@dataclass(frozen=True)
class Outcome:
    """Assignment of every problem that can be staffed, and escalations with proofs."""

    assignment: Assignment | None
    escalations: tuple[Escalation, ...]


Solver = Callable[[PairingInput, Policy], "Assignment | Infeasible"]


def solve_with_escalation(
    inp: PairingInput, policy: Policy | None = None, solver: Solver | None = None
) -> Outcome:
    """Escalate the problems of each certificate and solve the rest as its own instance.
    `solver` defaults to solve_batch (e.g. a randomised solve can be passed instead)."""
    policy = policy or Policy()
    solve = solver or solve_batch
    escalations: list[Escalation] = []
    current = inp
    while current.problems:
        result = solve(current, policy)
        if isinstance(result, Assignment):
            return Outcome(result, tuple(escalations))
        for cert in result.certificates:
            escalations.extend(Escalation(pid, cert) for pid in cert.problem_ids())
        dropped = set(result.escalate)
        current = replace(
            current, problems=tuple(p for p in current.problems if p.id not in dropped)
        )
    return Outcome(None, tuple(escalations))
