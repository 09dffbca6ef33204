"""Randomised assignment (随机派组) with capped probabilities (Jecmen et al., NeurIPS 2020).

Why: a deterministic optimum can be predicted, hence steered (a cadre who knows who will come
can prepare). Here every officer's chance of being on a given problem's team is at most q.

1. The LP: minimise expected cost over fractional assignments with every (officer, problem)
   probability at most q. For q = a/b this is the network of flow.py with slot supplies b,
   pair capacities a and officer capacities b * remaining; its integral optimum divided by b is
   an LP optimum (the network matrix is totally unimodular), so the LP is solved exactly by the
   same min-cost flow and pricing loop as the deterministic mode (optimiser.solve_flow).
2. Dependent rounding (Gandhi et al. 2006, as used by Jecmen et al.): while some arc flow is
   not a multiple of b, find a cycle of such arcs (every node has an integral net supply, so
   each node touching a fractional arc touches two) and push flow around it by +up or -down,
   with probabilities down/(up+down) and up/(up+down), the largest steps that keep all flows
   between their neighbouring multiples of b. Each step makes one arc integral and keeps every
   arc's expected flow, so P(officer o on problem p's team) equals the LP value exactly, which
   is at most q. All arithmetic is on integers (flows in units of 1/b).
3. The seed: sha256(input digest | published value), where the input digest (canonical.py)
   is fixed before the published value (e.g. a lottery number or a later block of a public
   register) is known. The draws come from sha256 in counter mode (`Draws`), a generator an
   auditor can re-implement in any language, so the assignment can be re-derived from the
   recorded inputs and the published value alone. The probabilities are returned for storage.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

import numpy as np

from .canonical import input_digest
from .compiled import I64, Compile, Compiled
from .model import PairingInput
from .optimiser import FlowSolution, Infeasible, members_of, solve_flow
from .policy import Policy
from .result import Assignment


def derive_seed(digest: str, published_value: str) -> str:
    return hashlib.sha256(f"{digest}|{published_value}".encode()).hexdigest()


class Draws:
    """Uniform integers from sha256(seed | counter), by rejection sampling on 64-bit words."""

    def __init__(self, seed_hex: str) -> None:
        self.seed = seed_hex
        self.counter = 0

    def _word(self) -> int:
        digest = hashlib.sha256(f"{self.seed}|{self.counter}".encode()).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def below(self, n: int) -> int:
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = self._word()
            if x < limit:
                return x % n


def round_flow(tail: I64, head: I64, flow: I64, b: int, draws: Draws) -> I64:
    """Dependent rounding of an integral-supply flow to multiples of b (see module doc)."""
    f = [int(x) for x in flow]
    tails = [int(x) for x in tail]
    heads = [int(x) for x in head]
    adj: dict[int, list[int]] = {}
    for e, x in enumerate(f):
        if x % b:
            adj.setdefault(tails[e], []).append(e)
            adj.setdefault(heads[e], []).append(e)
    ptr = dict.fromkeys(adj, 0)

    def next_arc(u: int, came: int) -> int:
        arcs = adj[u]
        i = ptr[u]
        while i < len(arcs) and f[arcs[i]] % b == 0:
            i += 1
        ptr[u] = i
        for j in range(i, len(arcs)):
            e = arcs[j]
            if e != came and f[e] % b:
                return e
        return -1

    for start in sorted(adj):
        path_nodes, path_arcs, pos = [start], [-1], {start: 0}
        while path_nodes:
            u = path_nodes[-1]
            e = next_arc(u, path_arcs[-1])
            if e < 0:  # only at a start node with nothing fractional left
                pos.pop(path_nodes.pop())
                path_arcs.pop()
                continue
            v = heads[e] if tails[e] == u else tails[e]
            if v not in pos:
                pos[v] = len(path_nodes)
                path_nodes.append(v)
                path_arcs.append(e)
                continue
            i = pos[v]
            cycle = [*path_arcs[i + 1 :], e]
            walk = path_nodes[i:]
            signs = [1 if tails[a] == walk[k] else -1 for k, a in enumerate(cycle)]
            steps = list(zip(cycle, signs, strict=True))
            up = min((-f[a]) % b if s > 0 else f[a] % b for a, s in steps)
            down = min(f[a] % b if s > 0 else (-f[a]) % b for a, s in steps)
            delta = up if draws.below(up + down) < down else -down
            for a, s in steps:
                f[a] += s * delta
            for node in path_nodes[i + 1 :]:
                del pos[node]
            del path_nodes[i + 1 :]
            del path_arcs[i + 1 :]
    return np.array(f, np.int64)


def solve_randomised(
    inp: PairingInput,
    q: Fraction,
    published_value: str,
    policy: Policy | None = None,
    compile: Compile = Compiled,
) -> Assignment | Infeasible:
    """One seeded draw from the capped LP, with every (problem, officer) probability."""
    policy = policy or Policy()
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    comp = compile(inp, policy, q.denominator)
    sol = solve_flow(comp, q.numerator, q.denominator)
    if isinstance(sol, Infeasible):
        return sol
    seed = derive_seed(input_digest(inp, policy, q=str(q)), published_value)
    return draw(sol, q, seed)


def marginals(sol: FlowSolution) -> dict[tuple[int, int], Fraction]:
    """P(officer on problem's team) from the LP flow, keyed by (problem, officer) index."""
    net, b = sol.net, sol.net.b
    f = net.slot_flows(sol.flow)
    used = np.flatnonzero(f > 0)
    out: dict[tuple[int, int], Fraction] = {}
    for e in used:
        key = (int(sol.comp.slot_prob[net.arc_slot[e]]), int(net.arc_off[e]))
        out[key] = out.get(key, Fraction(0)) + Fraction(int(f[e]), b)
    return out


def draw(sol: FlowSolution, q: Fraction, seed: str) -> Assignment:
    comp: Compiled = sol.comp
    net, b = sol.net, sol.net.b
    n_slot_pair = net.n_slot_arcs + net.n_pairs
    # collapse each officer's parallel load arcs into one (capacity b * remaining)
    load_tail = net.tail[n_slot_pair:]
    load_flow = np.bincount(
        load_tail - comp.n_slots, weights=sol.flow[n_slot_pair:], minlength=comp.n_off
    )
    tail = np.concatenate([net.tail[:n_slot_pair], comp.n_slots + np.arange(comp.n_off)])
    head = np.concatenate([net.head[:n_slot_pair], np.full(comp.n_off, net.sink)])
    flow = np.concatenate([sol.flow[:n_slot_pair], load_flow.astype(np.int64)])
    rounded = round_flow(tail, head, flow, b, Draws(seed))
    chosen = np.flatnonzero(rounded[: net.n_slot_arcs] == b)
    officer_of_slot = np.full(comp.n_slots, -1, np.int64)
    officer_of_slot[net.arc_slot[chosen]] = net.arc_off[chosen]
    if (officer_of_slot < 0).any() or len(chosen) != comp.n_slots:
        raise AssertionError("rounding left a slot unfilled")
    marg = marginals(sol)
    per_slot = [
        marg[(int(comp.slot_prob[s]), int(officer_of_slot[s]))] for s in range(comp.n_slots)
    ]
    teams, total, objective = members_of(comp, officer_of_slot, per_slot)
    real = net.cost // comp.scale
    expected = Fraction(int((real * sol.flow).sum()), b)
    probabilities = tuple(
        sorted((comp.problems[p].id, comp.officers[o].id, v) for (p, o), v in marg.items())
    )
    return Assignment(
        teams=teams,
        total_cost=total,
        objective=objective,
        mode="randomised",
        seed=seed,
        q=q,
        expected_cost=expected,
        probabilities=probabilities,
        stats=sol.stats,
    )
