"""Exact deterministic solve on the team network (队网络), used by optimiser.solve_batch.

Why not the slot network of flow.py: there, an officer who is a candidate of both slots of a
team needs a "pair node" so that he cannot fill both. Cheap officers are cheap for both slots
(same county), so on 10,000 problems x 2,000 officers most candidate arcs went through ~93,000
pair nodes, and every min-cost flow took ~3 s. Here one team is one node.

Team network (exact mode, every template of one or two slots):
  problem node X_p        supply = its number of slots (1 or 2)
  X_p -> officer o        cost c(p, o), capacity 1, when o can fill every slot of p
  X_p -> G_pk -> o        when o can fill only the first (k = 1) or only the second (k = 2)
                          slot: X_p -> G_pk has capacity 1 (two "first slot only" officers
                          would leave nobody for the second slot)
  officer -> sink         one arc per remaining unit, convex load cost (as flow.py)
Capacity 1 on the arcs into officers keeps a team's members distinct, so a flow of 2 out of
X_p picks two distinct officers who can fill the two slots in some order, and every such team
is a flow: the team network has exactly the teams of the slot network. c(p, o) is the slot
arc's cost, which `applies` checks is the same for both slots whenever an officer can fill
both (with the default templates a specialist slot requires the very skill a lead would be
charged a mismatch for lacking, and lead and member are both "soft" roles), so a team costs
the sum over its members in both networks and their optima are the same. G_pk is built only
when it has two or more candidate arcs (a single arc has capacity 1 already). Roles are given
afterwards: an officer who can fill one slot only takes it; when both could fill either, the
one with the lower keyed tie-break (then the lower canonical index) takes the first slot.

Exactness, as in optimiser.py: solve a sparse candidate network with the REAL costs, compute
potentials d (shortest distances in the residual network of the optimum) and price every
eligible (problem, officer) of the dense problem: c(p, o) + d(tail) - d(o), where the tail is
G_pk for a one-slot-only officer when G_pk exists and X_p otherwise (an absent G_pk takes the
potential of X_p, which keeps every residual arc of the dense network non-negative). No
negative arc left out: the sparse optimum is a dense optimum of the real cost. Otherwise the
most negative arcs are added and the network solved again (column generation).

Candidates (the Policy fields from `candidates_per_slot` on tune only the speed): per problem
its cheapest officers by (real cost, tie-break), at least `candidates_per_slot` (3 or more)
for each slot, every officer tied with the last one included (so the set does not depend on
how a selection routine breaks ties), and ~`spread_per_slot` per slot anywhere in the province
(those whose keyed tie-break falls below a threshold) so that the first network reaches past
the county. After the first solve (when `reprice_rounds` > 0) each officer also gets the
`reprice_per_slot` problems where it is worth most at the current potentials, c(p, o) +
d(tail): the real cost is highly degenerate (dozens of same-county officers cost the same), so
per-problem reduced costs say little, while per officer they tell where its capacity should
go. Pricing adds, per problem, the `pricing_per_slot` lowest (reduced cost, tie-break) among
the arcs below `pricing_margin`, and after the first round among those of reduced cost 0 too
(the degenerate alternatives that a small move of the potentials turns negative; this saves
most fourth rounds). In the first rounds arcs whose reduced cost exceeds three load steps are
dropped from the next network (the optimum just found is always kept, so the cost never goes
up); later rounds only add arcs, so the loop terminates.

Tie-break: once d proves the real optimum, every real optimum of the final network uses only
arcs with reduced cost 0, and saturates those with a negative one (complementary slackness
with the optimal dual d). The tie-break optimum over the real optima is therefore a min-cost
flow on the arcs of reduced cost 0 with the keyed tie-break (< 256) as cost, the saturated
arcs fixed: the same answer as real cost * scale + tie-break on the whole final network, on a
smaller network with small costs (and no second solve of the whole network).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from .compiled import BOOL, I64, Compiled, mix, ranges
from .result import SolveStats

Ints = npt.NDArray[Any]  # int16, int32 or int64 values of a block
IntType = type[np.int32] | type[np.int64]
T = TypeVar("T")
WORKERS = min(2, os.cpu_count() or 1)  # threads for the dense scans (the reference has 2 cores)
ROW_CELLS = 1 << 20  # cells of a block of rows in dense scans (cache-sized temporaries)
I32_SAFE = 1 << 20  # costs and potentials below this: (cost + potentials) * 256 fits int32
KEEP_LOAD_STEPS = 3  # arcs kept for the next network: reduced cost <= 3 load steps ...
PROOF_MARGIN = 1  # after the first round, arcs of reduced cost 0 are priced in too
DROP_ROUNDS = 3  # ... in the first rounds only (after them arcs are only added: no cycling)
# class of (problem, officer): 0 not eligible, 1 every slot, 2 first slot only, 3 second only
EITHER, FIRST, SECOND = 1, 2, 3
ROLE_ORDER = np.array([9, 1, 0, 2], np.int64)  # slot order of a team's members by class


def row_blocks(n_rows: int, n_cols: int) -> list[slice]:
    """Slices of rows of about ROW_CELLS cells (dense scans go block by block)."""
    size = max(1, ROW_CELLS // max(n_cols, 1))
    return [slice(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]


_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (pid that made it, pool)
_POOL_LOCK = threading.Lock()


def each_block(work: Callable[[slice], T], blocks: list[slice]) -> list[T]:
    """work(block) for every block, in block order, on up to WORKERS threads: numpy releases
    the GIL, and every block writes only its own rows, so the result is that of a plain loop.
    (`work` must not call each_block itself.)"""
    global _POOL
    if len(blocks) < 2 or WORKERS < 2:
        return [work(b) for b in blocks]
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():  # a forked child needs threads of its own
            _POOL = (os.getpid(), ThreadPoolExecutor(WORKERS, thread_name_prefix="pairing"))
        pool = _POOL[1]
    return list(pool.map(work, blocks))


def union(a: I64, b: I64) -> I64:
    """Sorted union of two arrays of keys."""
    both = np.sort(np.concatenate([a, b]))
    keep = np.ones(len(both), bool)
    keep[1:] = both[1:] != both[:-1]
    out: I64 = both[keep]
    return out


def applies(comp: Compiled) -> bool:
    """Every template has one or two slots, and an officer who can fill both slots of a
    two-slot team costs the same in either (the cost of a team is then per member)."""
    if comp.n_prob == 0:
        return True
    width = np.diff(comp.prob_slot_start)
    if width.min() < 1 or width.max() > 2:
        return False
    first = comp.prob_slot_start[:-1]
    two = np.flatnonzero(width == 2)
    r1, r2 = comp.slot_role[first[two]], comp.slot_role[first[two] + 1]
    pref = comp.prob_pref[two]
    asym = (comp.role_soft[r1] != comp.role_soft[r2]) & (pref != 0)
    triples = zip(r1[asym], r2[asym], pref[asym], strict=True)
    for a, b, skill in {(int(x), int(y), int(z)) for x, y, z in triples}:
        lacks = (comp.off_skills & skill) == 0
        if (comp.qual[a] & comp.qual[b] & lacks).any():
            return False
    return True


class TeamDense:
    """Real cost (int32), tie-break (uint8) and class (uint8) of every (problem, officer),
    6 bytes a pair, computed once per solve from per-county and per-template rows (a
    problem's costs depend on its county and template only, its eligibility also on the
    sparse exclusions and the 提级 rule), plus the hopeless slots and the start candidates."""

    def __init__(self, comp: Compiled) -> None:
        n_prob, n_off = comp.n_prob, comp.n_off
        self.comp = comp
        self.n_prob, self.n_off = n_prob, n_off
        first = comp.prob_slot_start[:-1]
        self.width = np.diff(comp.prob_slot_start)
        r1 = comp.slot_role[first]
        r2 = np.where(self.width == 2, comp.slot_role[np.minimum(first + 1, comp.n_slots - 1)], -1)
        w = comp.policy.weights
        # per (first role, second role, preferred skill): mismatch and class of every officer
        trip = np.stack([r1, r2, comp.prob_pref], axis=1)
        kinds, kind_of = np.unique(trip, axis=0, return_inverse=True)
        kind_of = kind_of.reshape(-1)
        mis = np.zeros((len(kinds), n_off), np.int32)
        cls = np.zeros((len(kinds), n_off), np.uint8)
        for i, (a, b, skill) in enumerate(kinds.tolist()):
            lacks = (comp.off_skills & skill) == 0
            q1 = comp.qual[a] & comp.wide_ok
            m1 = w.mismatch * (bool(comp.role_soft[a]) and skill != 0) * lacks
            if b < 0:
                mis[i] = m1
                cls[i] = np.where(q1, EITHER, 0)
                continue
            q2 = comp.qual[b] & comp.wide_ok
            m2 = w.mismatch * (bool(comp.role_soft[b]) and skill != 0) * lacks
            mis[i] = np.where(q1, m1, m2)
            cls[i] = np.select([q1 & q2, q1, q2], [EITHER, FIRST, SECOND], 0)
        travel_rec = comp.travel_table[:, comp.off_county].astype(np.int64)
        if comp.rec_any:
            travel_rec = travel_rec + w.recency * comp.rec.T
        self.real_min = int(travel_rec.min(initial=0)) + int(mis.min(initial=0))
        self.real_max = int(travel_rec.max(initial=0)) + int(mis.max(initial=0))
        if self.real_max >= 2**31:
            raise OverflowError("real cost too large")
        travel_rec = travel_rec.astype(np.int32)
        self.wide: IntType = np.int32 if self.real_max < I32_SAFE else np.int64
        self.cls = np.empty((n_prob, n_off), np.uint8)
        county = comp.prob_county
        blocks = row_blocks(n_prob, n_off)

        def classes(rows: slice) -> None:
            self.cls[rows] = cls[kind_of[rows]]

        each_block(classes, blocks)
        esc = np.flatnonzero(comp.prob_escalated)
        if len(esc):
            allowed = np.broadcast_to(comp.off_is_county, (len(esc), n_off))
            if comp.policy.escalated_same_county:
                allowed = allowed & (comp.off_county[None, :] == county[esc][:, None])
            self.cls[esc] = np.where(allowed, self.cls[esc], 0)
        counts = comp.excl_start[1:] - comp.excl_start[:-1]
        if counts.sum():
            self.cls[np.repeat(np.arange(n_prob), counts), comp.excl_off] = 0
        self.hopeless = self._hopeless(first)
        self.real = np.zeros((0, n_off), np.int32)
        self.tie = np.zeros((0, n_off), np.uint8)
        self.start = np.zeros(0, np.int64)
        if self.hopeless:  # nothing more is needed: the solve returns certificates
            return
        self.real = np.empty((n_prob, n_off), np.int32)
        self.tie = np.empty((n_prob, n_off), np.uint8)

        def costs(rows: slice) -> None:
            np.add(travel_rec[county[rows]], mis[kind_of[rows]], out=self.real[rows])
            self.tie[rows] = mix(comp.h_prob[rows][:, None], comp.h_off[None, :])

        each_block(costs, blocks)
        self.start = self._start()

    def slot_masks(self, rows: slice) -> tuple[BOOL, BOOL]:
        """Officers eligible for the first and for the second slot of the problems `rows`."""
        c = self.cls[rows]
        either = c == EITHER
        second = either | (c == SECOND)
        second &= (self.width[rows] == 2)[:, None]
        return either | (c == FIRST), second

    def _hopeless(self, first: I64) -> list[int]:
        """Slots without any eligible officer, in slot order (as candidates.Dense)."""

        def slots(rows: slice) -> I64:
            masks = self.slot_masks(rows)
            one = first[rows][~masks[0].any(axis=1)]
            two = first[rows][~masks[1].any(axis=1) & (self.width[rows] == 2)] + 1
            return np.concatenate([one, two])

        out = each_block(slots, row_blocks(self.n_prob, self.n_off))
        return sorted(int(x) for x in np.concatenate([np.zeros(0, np.int64), *out]))

    def _start(self) -> I64:
        """Start candidates: per problem the cheapest officers by (real cost, tie-break), at
        least `candidates_per_slot` (3 at least) for each slot and half as many again over
        both, every officer tied with the last one included (so the set does not depend on
        how a selection routine breaks ties); and about `spread_per_slot` per slot anywhere
        in the province (those whose tie-break is below a threshold), so that the first
        network reaches beyond the county."""
        policy = self.comp.policy
        k1 = max(policy.candidates_per_slot, 3)
        spread = round(256 * 2 * policy.spread_per_slot / max(self.n_off, 1))

        def pick(rows: slice) -> I64:
            eligible = self.cls[rows] > 0
            tie = self.tie[rows]
            value: Ints = self.real[rows].astype(self.wide)
            value *= 256
            value += tie
            chosen = cheapest(value, eligible, k1 + k1 // 2)
            for mask in self.slot_masks(rows):
                have = (chosen & mask).sum(axis=1)
                short = np.flatnonzero(have < np.minimum(k1, mask.sum(axis=1)))
                if len(short):
                    chosen[short] |= cheapest(value[short], mask[short], k1)
            if spread > 0:
                chosen |= eligible & (tie < spread)
            out: I64 = np.flatnonzero(chosen) + rows.start * self.n_off
            return out

        keys = each_block(pick, row_blocks(self.n_prob, self.n_off))
        return np.concatenate([np.zeros(0, np.int64), *keys])

    def values(self, rows: slice, d_tail: I64, dtype: IntType) -> Ints:
        """Real cost + potential of the arc's tail node, of the problems `rows` with every
        officer (the reduced cost of the arc but for the officer's potential)."""
        c = self.cls[rows]
        d: Ints = d_tail[rows].astype(dtype)
        out: Ints = self.real[rows].astype(dtype)
        out += d[:, EITHER, None]
        for k in (FIRST, SECOND):
            shift = d[:, k] - d[:, EITHER]
            if shift.any():
                out += (c == k) * shift[:, None]
        return out


def value_type(dense: TeamDense, dist: I64) -> IntType:
    """int32 when (real cost + potentials) * 256 cannot overflow it."""
    return np.int32 if dense.wide is np.int32 and np.abs(dist).max(initial=0) < I32_SAFE else np.int64


def cheapest(value: Ints, mask: BOOL, k: int) -> BOOL:
    """Per row, the eligible entries with the k smallest values and every entry tied with
    the k-th (all eligible entries when a row has k or fewer)."""
    if k <= 0:
        return np.zeros(mask.shape, bool)
    if k >= value.shape[1]:
        return mask
    masked = np.where(mask, value, np.iinfo(value.dtype).max)
    kth = np.partition(masked, k - 1, axis=1)[:, k - 1 : k]
    out: BOOL = mask & (masked <= kth)
    return out


@dataclass
class TeamNetwork:
    """The team network of a sorted set of candidate keys p * n_off + o."""

    keys: I64
    arc_p: I64
    arc_o: I64
    arc_cls: I64
    group_p: I64  # problem of each group node
    group_k: I64  # class (FIRST or SECOND) of each group node
    arc_group: I64  # group node of each candidate arc, -1 when it leaves X_p
    tail: I64
    head: I64
    cap: I64
    cost: I64  # real cost of every arc
    supply: I64
    n_groups: int
    off0: int  # node of officer 0
    sink: int

    @property
    def n_cand(self) -> int:
        return len(self.keys)

    @property
    def n_nodes(self) -> int:
        return self.sink + 1


def team_network(dense: TeamDense, keys: I64) -> TeamNetwork:
    """Nodes: problems, then group nodes, officers and the sink; arcs: candidates (in key
    order), problem -> group, officer -> sink per unit of capacity."""
    comp, n_prob, n_off = dense.comp, dense.n_prob, dense.n_off
    p, o = keys // max(n_off, 1), keys % max(n_off, 1)
    k = dense.cls[p, o].astype(np.int64)
    grouped = np.flatnonzero((k == FIRST) | (k == SECOND))
    gkey = p[grouped] * 4 + k[grouped]
    uniq, inv, counts = np.unique(gkey, return_inverse=True, return_counts=True)
    inv = inv.reshape(-1)
    node = np.cumsum(counts >= 2) - 1
    arc_group = np.full(len(keys), -1, np.int64)
    arc_group[grouped] = np.where(counts[inv] >= 2, node[inv], -1)
    big = counts >= 2
    group_p, group_k = uniq[big] // 4, uniq[big] % 4
    n_groups = len(group_p)
    off0 = n_prob + n_groups
    sink = off0 + n_off
    tail = np.where(arc_group >= 0, n_prob + arc_group, p)
    # load arcs: an officer takes at most one unit per candidate arc; one spare unit keeps the
    # potentials valid for the units left out (their costs are higher still)
    units = np.minimum(comp.remaining, np.bincount(o, minlength=n_off) + 1)
    load_off = np.repeat(np.arange(n_off, dtype=np.int64), units)
    load_j = np.arange(len(load_off), dtype=np.int64) - np.repeat(np.cumsum(units) - units, units)
    load_cost = comp.policy.weights.load * (comp.workload[load_off] + load_j)
    supply = np.zeros(sink + 1, np.int64)
    supply[:n_prob] = dense.width
    supply[sink] = -int(dense.width.sum())
    return TeamNetwork(
        keys=keys,
        arc_p=p,
        arc_o=o,
        arc_cls=k,
        group_p=group_p,
        group_k=group_k,
        arc_group=arc_group,
        tail=np.concatenate([tail, group_p, off0 + load_off]),
        head=np.concatenate([off0 + o, n_prob + np.arange(n_groups), np.full(len(load_off), sink)]),
        cap=np.ones(len(keys) + n_groups + len(load_off), np.int64),
        cost=np.concatenate(
            [dense.real[p, o].astype(np.int64), np.zeros(n_groups, np.int64), load_cost]
        ),
        supply=supply,
        n_groups=n_groups,
        off0=off0,
        sink=sink,
    )


def min_cost(tail: I64, head: I64, cap: I64, cost: I64, supply: I64) -> I64 | None:
    """OR-Tools min-cost flow: the flow per arc, or None when the supplies cannot be met."""
    if not supply.any():
        return np.zeros(len(tail), np.int64)
    smcf = min_cost_flow.SimpleMinCostFlow()
    if len(tail):
        smcf.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    smcf.set_nodes_supplies(np.arange(len(supply), dtype=np.int64), supply)
    status = smcf.solve()
    if status == smcf.OPTIMAL:
        return np.asarray(smcf.flows(np.arange(len(tail), dtype=np.int64)), np.int64)
    if status == smcf.INFEASIBLE:
        return None
    raise RuntimeError(f"min cost flow failed with status {status}")


def potentials(net: TeamNetwork, flow: I64) -> I64:
    """Shortest distances from a virtual root in the residual network (as flow.Network)."""
    fwd, bwd = flow < net.cap, flow > 0
    tail = np.concatenate([net.tail[fwd], net.head[bwd]])
    head = np.concatenate([net.head[fwd], net.tail[bwd]])
    cost = np.concatenate([net.cost[fwd], -net.cost[bwd]])
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    start = np.searchsorted(tail, np.arange(net.n_nodes + 1))
    dist = np.zeros(net.n_nodes, np.int64)
    active = np.flatnonzero(start[1:] > start[:-1])
    for _ in range(net.n_nodes + 1):
        if len(active) == 0:
            return dist
        idx = ranges(start[active], start[active + 1] - start[active])
        new = dist.copy()
        np.minimum.at(new, head[idx], dist[tail[idx]] + cost[idx])
        active = np.flatnonzero(new < dist)
        dist = new
    raise RuntimeError("negative cycle in the residual network: flow is not optimal")


def tail_potentials(dense: TeamDense, net: TeamNetwork, dist: I64) -> I64:
    """[problem, class] -> potential of the node an arc of that class leaves from."""
    d = np.repeat(dist[: dense.n_prob, None], 4, axis=1)
    d[net.group_p, net.group_k] = dist[dense.n_prob : dense.n_prob + net.n_groups]
    return d


def violations(dense: TeamDense, net: TeamNetwork, dist: I64, per_problem: int, margin: int) -> I64:
    """Left-out keys to add: none when no left-out arc has a negative reduced cost (the
    optimum is proven); otherwise per problem the `per_problem` lowest (reduced cost,
    tie-break) among those with reduced cost below `margin` (and those tied with the last)."""
    n_off = dense.n_off
    d_tail = tail_potentials(dense, net, dist)
    d_off = dist[net.off0 : net.off0 + n_off]
    dtype = value_type(dense, dist)
    d_off = d_off.astype(dtype)

    def scan(rows: slice) -> tuple[I64, bool]:
        rc = dense.values(rows, d_tail, dtype)
        rc -= d_off[None, :]
        near = rc < margin
        near &= dense.cls[rows] > 0
        lo, hi = np.searchsorted(net.keys, [rows.start * n_off, rows.stop * n_off])
        near.reshape(-1)[net.keys[lo:hi] - rows.start * n_off] = False
        if not near.any():
            return np.zeros(0, np.int64), False
        negative = bool((near & (rc < 0)).any())
        rc *= dtype(256)
        rc += dense.tie[rows]
        return np.flatnonzero(cheapest(rc, near, per_problem)) + rows.start * n_off, negative

    found = each_block(scan, row_blocks(dense.n_prob, n_off))
    if not any(negative for _, negative in found):
        return np.zeros(0, np.int64)
    return np.concatenate([keys for keys, _ in found])


def reprice(dense: TeamDense, net: TeamNetwork, dist: I64, per_officer: int) -> I64:
    """Per officer the `per_officer` eligible problems with the lowest c(p, o) + d(tail), ties
    by tie-break (then problem): the problems where the officer's capacity is worth most."""
    n_prob, n_off = dense.n_prob, dense.n_off
    if per_officer <= 0 or n_prob == 0:
        return np.zeros(0, np.int64)
    if per_officer >= n_prob:
        return np.flatnonzero(dense.cls > 0)
    d_tail = tail_potentials(dense, net, dist)
    dtype = value_type(dense, dist)
    low = dense.real_min + int(d_tail.min())
    top = dense.real_max + int(d_tail.max()) - low + 1  # above every value: not eligible
    # selection on a transposed int16 copy when the values fit (they span a few hundred)
    small = np.int16 if top < np.iinfo(np.int16).max else np.int64
    value = np.empty((n_prob, n_off), small)

    def shifted(rows: slice) -> None:
        block = dense.values(rows, d_tail, dtype)
        block -= dtype(low)
        value[rows] = np.where(dense.cls[rows] > 0, block, top)

    each_block(shifted, row_blocks(n_prob, n_off))
    by_off = np.empty((n_off, n_prob), small)
    below = np.empty((n_off, n_prob), bool)
    at = np.empty((n_off, n_prob), bool)

    def select(cols: slice) -> None:
        by_off[cols] = value[:, cols].T
        level = np.partition(by_off[cols], per_officer - 1, axis=1)[:, per_officer - 1 :][:, :1]
        np.less(by_off[cols], level, out=below[cols])
        np.equal(by_off[cols], level, out=at[cols])
        at[cols] &= level < top

    each_block(select, row_blocks(n_off, n_prob))
    # at the officer's level: the lowest tie-breaks, as many as are still wanted
    o_at, p_at = np.nonzero(at)
    order = np.lexsort((p_at, dense.tie[p_at, o_at], o_at))
    o_at, p_at = o_at[order], p_at[order]
    rank = np.arange(len(o_at)) - np.searchsorted(o_at, o_at)
    wanted = per_officer - below.sum(axis=1)
    take = rank < wanted[o_at]
    o_below, p_below = np.nonzero(below)
    p = np.concatenate([p_below, p_at[take]])
    o = np.concatenate([o_below, o_at[take]])
    return np.sort(p.astype(np.int64) * n_off + o)


def tie_break_flow(dense: TeamDense, net: TeamNetwork, flow: I64, dist: I64) -> I64:
    """Among the real optima of `net` (proven by the potentials `dist`), the one with the
    least total tie-break (see module doc)."""
    rc = net.cost + dist[net.tail] - dist[net.head]
    fixed = rc < 0
    free = rc == 0
    if (flow[fixed] != net.cap[fixed]).any() or (flow[rc > 0] != 0).any():
        raise AssertionError("potentials do not prove the flow optimal")
    supply = net.supply.copy()
    np.subtract.at(supply, net.tail[fixed], net.cap[fixed])
    np.add.at(supply, net.head[fixed], net.cap[fixed])
    idx = np.flatnonzero(free)
    tie = np.zeros(len(net.tail), np.int64)
    tie[: net.n_cand] = dense.tie[net.arc_p, net.arc_o]
    sub = min_cost(net.tail[idx], net.head[idx], net.cap[idx], tie[idx], supply)
    if sub is None:
        raise AssertionError("the real optimum is not a flow of its own tight network")
    out = np.where(fixed, net.cap, 0)
    out[idx] = sub
    return out


def officer_of_slot(dense: TeamDense, net: TeamNetwork, flow: I64) -> I64:
    """Slot -> officer from a team flow; roles as in the module doc."""
    comp = dense.comp
    used = np.flatnonzero(flow[: net.n_cand] > 0)
    p, o, k = net.arc_p[used], net.arc_o[used], net.arc_cls[used]
    tie = dense.tie[p, o].astype(np.int64)
    order = np.lexsort((o, tie, ROLE_ORDER[k], p))
    p, o = p[order], o[order]
    position = np.arange(len(p)) - np.searchsorted(p, p)
    if len(p) != comp.n_slots or (position >= dense.width[p]).any():
        raise AssertionError("a team flow that does not staff every slot once")
    out = np.full(comp.n_slots, -1, np.int64)
    out[comp.prob_slot_start[p] + position] = o
    return out


def solve_teams(dense: TeamDense, keys: I64) -> tuple[TeamNetwork, I64, SolveStats] | None:
    """Exact real optimum from the candidate keys, tie-broken (see module doc); None when the
    first network is infeasible (optimiser.py then runs the slot network's feasibility step,
    whose certificates do not depend on this network)."""
    comp, policy = dense.comp, dense.comp.policy
    keep = KEEP_LOAD_STEPS * policy.weights.load
    solves = added = 0
    while True:
        net = team_network(dense, keys)
        flow = min_cost(net.tail, net.head, net.cap, net.cost, net.supply)
        solves += 1
        if flow is None:
            if solves > 1:
                raise AssertionError("a network holding the previous optimum became infeasible")
            return None
        dist = potentials(net, flow)
        margin = policy.pricing_margin if solves == 1 else max(policy.pricing_margin, PROOF_MARGIN)
        extra = violations(dense, net, dist, policy.pricing_per_slot, margin)
        if len(extra) == 0:
            break
        added += len(extra)
        if solves == 1 and policy.reprice_rounds > 0:
            extra = union(extra, reprice(dense, net, dist, policy.reprice_per_slot))
        keys = net.keys
        if solves <= DROP_ROUNDS:
            n = net.n_cand
            keys = keys[net.cost[:n] + dist[net.tail[:n]] - dist[net.head[:n]] <= keep]
        keys = union(keys, extra)
    final = tie_break_flow(dense, net, flow, dist)
    stats = SolveStats(
        slots=comp.n_slots,
        candidate_arcs=net.n_cand,
        pair_nodes=net.n_groups,
        solves=solves + 1,
        arcs_added_by_check=added,
    )
    return net, final, stats
