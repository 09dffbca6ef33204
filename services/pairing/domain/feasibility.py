"""Feasibility and certificates for the exact optimiser: one-slot pools and min-cut Hall sets.

See certificate.py for what a certificate proves and optimiser.py for when these run.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .candidates import Arcs, Dense, make_network, merge
from .certificate import Certificate, SlotRef, summarise
from .compiled import I64, ROLES, Compiled


def slot_ref(comp: Compiled, slot: int) -> SlotRef:
    p = int(comp.slot_prob[slot])
    return SlotRef(
        problem_id=comp.problems[p].id,
        role=ROLES[int(comp.slot_role[slot])],
        position=slot - int(comp.prob_slot_start[p]),
    )


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


def dense_bound(
    comp: Compiled, dense: Dense, xs: I64, a: int, b: int
) -> tuple[Fraction, dict[int, Fraction]]:
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


def feasibility(
    comp: Compiled, dense: Dense, arcs: Arcs, a: int, b: int
) -> tuple[Arcs, Certificate | None]:
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
