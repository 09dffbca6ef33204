"""Candidate networks for the exact optimiser (optimiser.py): dense costs, sparse candidates,
re-drawing by potentials (reprice) and pricing of left-out arcs.

`Dense` keeps the real cost, tie-break and eligibility of every (slot, officer) pair once per
solve; the sparse network of flow.py is built from a subset of those arcs, and `violations`
is the proof that nothing left out could lower the real cost (see optimiser.py).
"""

from __future__ import annotations

import numpy as np

from .compiled import I64, Compiled, ranges
from .flow import Network

BIG = np.iinfo(np.int64).max
Arcs = tuple[I64, I64, I64]  # (slot, officer, scaled cost), sorted by (slot, officer)
BLOCK_CELLS = 1_000_000


def chunks(n_rows: int, n_cols: int) -> list[I64]:
    size = max(1, BLOCK_CELLS // max(n_cols, 1))
    return [np.arange(i, min(i + size, n_rows), dtype=np.int64) for i in range(0, n_rows, size)]


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
        slots: list[I64] = []
        offs: list[I64] = []
        hopeless: list[int] = []
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


def violations(comp: Compiled, dense: Dense, net: Network, dist: I64, arcs: Arcs) -> Arcs:
    """Left-out eligible arcs to add: none when no left-out arc has a negative reduced cost
    (the optimum is proven); otherwise per slot the `pricing_per_slot` lowest reduced costs
    below `pricing_margin` (partial pricing; the loop repeats until there are none)."""
    s_count, n_off = comp.n_slots, comp.n_off
    m = max(1, comp.policy.pricing_per_slot)
    # with a positive margin, arcs close to entering are added too (when any arc is negative)
    margin = comp.policy.pricing_margin
    d_slot, d_off = dist[:s_count], dist[s_count : s_count + n_off]
    cand_slot, cand_off = arcs[0], arcs[1]
    cand_start = np.searchsorted(cand_slot, np.arange(s_count + 1))
    # positions whose (problem, officer) has a pair node: their head is the pair node
    counts = comp.prob_slot_start[net.pair_prob + 1] - comp.prob_slot_start[net.pair_prob]
    sp_slot = ranges(comp.prob_slot_start[net.pair_prob], counts)
    sp_off = np.repeat(net.pair_off, counts)
    sp_node = np.repeat(net.pair_node0 + np.arange(net.n_pairs), counts)
    out_s, out_o = [], []
    any_negative = False
    for rows in chunks(s_count, n_off):
        rc = dense.real[rows] + d_slot[rows][:, None] - d_off[None, :]
        near = dense.elig[rows] & (rc < margin)
        n = cand_start[rows + 1] - cand_start[rows]
        near[np.repeat(np.arange(len(rows)), n), cand_off[ranges(cand_start[rows], n)]] = False
        inside = (sp_slot >= rows[0]) & (sp_slot <= rows[-1])
        near[sp_slot[inside] - rows[0], sp_off[inside]] = False
        any_negative = any_negative or bool((near & (rc < 0)).any())
        hit = np.flatnonzero(near.any(axis=1))
        if len(hit) == 0:
            continue
        idx = top(np.where(near[hit], rc[hit], BIG), m)
        keep = np.take_along_axis(near[hit], idx, axis=1)
        out_s.append(np.broadcast_to(rows[hit][:, None], idx.shape)[keep])
        out_o.append(idx[keep].astype(np.int64))
    if len(sp_slot):
        cost = dense.real[sp_slot, sp_off].astype(np.int64)
        is_cand = np.isin(sp_slot * n_off + sp_off, cand_slot * n_off + cand_off)
        bad = ~is_cand & dense.elig[sp_slot, sp_off] & (cost + d_slot[sp_slot] - dist[sp_node] < 0)
        out_s.append(sp_slot[bad])
        out_o.append(sp_off[bad])
        any_negative = any_negative or bool(bad.any())
    empty = np.zeros(0, np.int64)
    if not any_negative:
        return empty, empty, empty
    slot = np.concatenate(out_s) if out_s else empty
    off = np.concatenate(out_o) if out_o else empty
    return slot, off, dense.cost_at(slot, off)


def reprice(comp: Compiled, dense: Dense, net: Network, dist: I64, flow: I64) -> Arcs:
    """A fresh candidate set from the first optimum's potentials: per slot the
    `reprice_per_slot` lowest reduced costs c(s, o) + d(s) - d(o) (officers priced by how
    loaded they are), plus the arcs in use. Pricing still decides optimality afterwards."""
    s_count, n_off = comp.n_slots, comp.n_off
    d_off = dist[s_count : s_count + n_off]
    k = comp.policy.reprice_per_slot
    used = np.flatnonzero(net.slot_flows(flow) > 0)
    slots, offs = [net.arc_slot[used]], [net.arc_off[used]]
    for rows in chunks(s_count, n_off):
        rc = np.where(dense.elig[rows], dense.cost(rows) - d_off[None, :] * comp.scale, BIG)
        idx = top(rc, k)
        keep = np.take_along_axis(dense.elig[rows], idx, axis=1)
        slots.append(np.broadcast_to(rows[:, None], idx.shape)[keep])
        offs.append(idx[keep].astype(np.int64))
    slot, off = np.concatenate(slots), np.concatenate(offs)
    empty = np.zeros(0, np.int64)
    return merge((slot, off, dense.cost_at(slot, off)), (empty, empty, empty), n_off)


def duplicated_pairs(comp: Compiled, net: Network, flow: I64) -> I64:
    """(problem, officer) keys whose total flow exceeds the pair capacity a: the relaxed
    network put one officer on two slots of one team (or above q)."""
    key = comp.slot_prob[net.arc_slot] * max(comp.n_off, 1) + net.arc_off
    f = net.slot_flows(flow)
    used = f > 0
    uniq, inv = np.unique(key[used], return_inverse=True)
    total = np.bincount(inv, weights=f[used], minlength=len(uniq))
    out: I64 = uniq[total > net.a]
    return out
