"""The min-cost flow network of a pairing solve (OR-Tools SimpleMinCostFlow, built from numpy).

Nodes: one per team slot (supply b), one per officer, one sink (demand b * slots), and one
"pair node" per (problem, officer) that is a candidate for two or more slots of the same team.
Arcs:
  slot -> officer          cost c(slot, officer), capacity a   (officer a candidate of 1 slot)
  slot -> pair(p, o)       cost c(slot, officer), capacity a   (candidate of >= 2 slots)
  pair(p, o) -> officer    cost 0, capacity a
  officer -> sink          one arc per remaining unit of capacity, capacity b, cost rising
                           with each unit (convex load cost, so the flow fills them in order)
The pair node's capacity is what stops one officer from taking two slots of one team; when
an officer is a candidate of only one slot of the team the slot arc's own capacity does it,
so no pair node is needed. Deterministic mode: a = b = 1. Randomised mode (randomised.py): the
LP with every (officer, problem) capped at q = a / b is this network with supplies scaled by b,
and its integral optimum divided by b is an optimal LP solution (network matrices are totally
unimodular).

Potentials: `potentials` returns shortest-path distances d from a virtual root in the residual
network of an optimal flow (Bellman-Ford, vectorised, rounds until no distance changes), for
the arc costs or for other costs under which the flow is also optimal (the real costs without
the tie-break, see optimiser.py). For every residual arc d(v) <= d(u) + c(u, v). An arc left
out of the sparse network can be added without changing the optimum iff
c(s, o) + d(s) - d(o) >= 0 (the distances stay valid potentials, so no negative cycle
appears); see optimiser.py for how this keeps sparsification exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .compiled import I64, ranges


@dataclass
class Network:
    n_slots: int
    n_off: int
    slot_prob: I64
    arc_slot: I64  # candidate arcs (slot, officer) in canonical order
    arc_off: I64
    arc_cost: I64
    remaining: I64
    load_cost: list[I64]  # per officer: scaled cost of each remaining unit
    b: int = 1
    a: int = 1

    pair_keys: I64 | None = None  # (problem * n_off + officer) keys that get a pair node

    def __post_init__(self) -> None:
        s, o = self.n_slots, self.n_off
        self.sink = s + o
        key = self.slot_prob[self.arc_slot] * max(o, 1) + self.arc_off
        if self.pair_keys is None:
            uniq, counts = np.unique(key, return_counts=True)
            self.pair_keys = uniq[counts >= 2]
        keys = np.unique(self.pair_keys)
        pos = np.searchsorted(keys, key)
        hit = pos < len(keys)
        hit[hit] = keys[pos[hit]] == key[hit]
        self.arc_pair = np.where(hit, pos, -1)  # -1: the slot arc goes straight to the officer
        self.pair_prob = keys // max(o, 1)
        self.pair_off = keys % max(o, 1)
        self.n_pairs = len(keys)
        self.pair_node0 = s + o + 1
        self.n_nodes = self.pair_node0 + self.n_pairs
        via = self.arc_pair >= 0
        head = np.where(via, self.pair_node0 + self.arc_pair, s + self.arc_off)
        load_tail = np.repeat(np.arange(o, dtype=np.int64) + s, self.remaining)
        load_cost = np.concatenate(self.load_cost) if o else np.zeros(0, np.int64)
        self.tail = np.concatenate(
            [self.arc_slot, self.pair_node0 + np.arange(self.n_pairs), load_tail]
        )
        self.head = np.concatenate([head, s + self.pair_off, np.full(len(load_tail), self.sink)])
        self.cap = np.concatenate(
            [np.full(len(head) + self.n_pairs, self.a), np.full(len(load_tail), self.b)]
        ).astype(np.int64)
        self.cost = np.concatenate([self.arc_cost, np.zeros(self.n_pairs, np.int64), load_cost])
        self.tail = self.tail.astype(np.int64)
        self.head = self.head.astype(np.int64)
        self.cost = self.cost.astype(np.int64)
        self.n_slot_arcs = len(head)
        self.supply = np.zeros(self.n_nodes, np.int64)
        self.supply[:s] = self.b
        self.supply[self.sink] = -self.b * s

    def _smcf(self) -> min_cost_flow.SimpleMinCostFlow:
        smcf = min_cost_flow.SimpleMinCostFlow()
        if len(self.tail):
            smcf.add_arcs_with_capacity_and_unit_cost(self.tail, self.head, self.cap, self.cost)
        smcf.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int64), self.supply)
        return smcf

    def solve(self) -> I64 | None:
        """Optimal flow per arc, or None when the slots cannot all be filled."""
        if self.n_slots == 0:
            return np.zeros(len(self.tail), np.int64)
        smcf = self._smcf()
        status = smcf.solve()
        if status == smcf.OPTIMAL:
            return np.asarray(smcf.flows(np.arange(len(self.tail), dtype=np.int64)), np.int64)
        if status == smcf.INFEASIBLE:
            return None
        raise RuntimeError(f"min cost flow failed with status {status}")

    def max_flow(self) -> I64:
        smcf = self._smcf()
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise RuntimeError(f"max flow failed with status {status}")
        return np.asarray(smcf.flows(np.arange(len(self.tail), dtype=np.int64)), np.int64)

    # -- residual network ------------------------------------------------------------------

    def residual(self, flow: I64, cost: I64 | None = None) -> tuple[I64, I64, I64]:
        arc_cost = self.cost if cost is None else cost
        fwd = flow < self.cap
        bwd = flow > 0
        tail = np.concatenate([self.tail[fwd], self.head[bwd]])
        head = np.concatenate([self.head[fwd], self.tail[bwd]])
        res = np.concatenate([arc_cost[fwd], -arc_cost[bwd]])
        return tail, head, res

    def potentials(self, flow: I64, cost: I64 | None = None) -> I64:
        """Shortest distances from a virtual root (0 to every node) in the residual network.

        Bellman-Ford by rounds, relaxing only the out-arcs of nodes whose distance moved in
        the previous round (a node can only improve through a predecessor that improved)."""
        tail, head, cost = self.residual(flow, cost)
        order = np.argsort(tail, kind="stable")
        tail, head, cost = tail[order], head[order], cost[order]
        start = np.searchsorted(tail, np.arange(self.n_nodes + 1))
        dist = np.zeros(self.n_nodes, np.int64)
        active = np.flatnonzero(start[1:] > start[:-1])
        for _ in range(self.n_nodes + 1):
            if len(active) == 0:
                return dist
            idx = ranges(start[active], start[active + 1] - start[active])
            new = dist.copy()
            np.minimum.at(new, head[idx], dist[tail[idx]] + cost[idx])
            active = np.flatnonzero(new < dist)
            dist = new
        raise RuntimeError("negative cycle in the residual network: flow is not optimal")

    def reachable(self, flow: I64, sources: I64) -> np.ndarray:
        """Nodes reachable from `sources` in the residual network (breadth first, vectorised)."""
        tail, head, _ = self.residual(flow)
        order = np.argsort(tail, kind="stable")
        tail, head = tail[order], head[order]
        start = np.searchsorted(tail, np.arange(self.n_nodes + 1))
        seen = np.zeros(self.n_nodes, bool)
        seen[sources] = True
        frontier = np.asarray(sources, np.int64)
        while len(frontier):
            nxt = head[ranges(start[frontier], start[frontier + 1] - start[frontier])]
            nxt = np.unique(nxt[~seen[nxt]])
            seen[nxt] = True
            frontier = nxt
        return seen

    # -- reading a flow back ---------------------------------------------------------------

    def slot_flows(self, flow: I64) -> I64:
        """Flow on each candidate (slot, officer) arc."""
        return flow[: self.n_slot_arcs]
