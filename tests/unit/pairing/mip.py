"""An independent exact integer program of the same model (HiGHS MIP), for small instances."""

from __future__ import annotations

from collections import defaultdict

import highspy
import numpy as np

from services.pairing.domain.audit import conflict_codes, role_ok
from services.pairing.domain.compiled import ROLES, Compiled
from services.pairing.domain.model import PairingInput
from services.pairing.domain.policy import Policy


def mip_optimum(inp: PairingInput, policy: Policy) -> int | None:
    """Optimal real cost (None if infeasible): binary x per eligible (slot, officer), one per
    slot, at most one slot per (team, officer), loads priced by unit variables y."""
    comp = Compiled(inp, policy)
    blk = comp.block(np.arange(comp.n_slots, dtype=np.int64))
    opened = dict(inp.open_cases)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    n = 0
    by_slot: dict[int, list[int]] = defaultdict(list)
    by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_officer: dict[int, list[int]] = defaultdict(list)
    for s in range(comp.n_slots):
        p = int(comp.slot_prob[s])
        problem = comp.problems[p]
        role = ROLES[int(comp.slot_role[s])]
        for j, o in enumerate(comp.officers):
            history = comp.history_by_officer.get(o.id, ())
            if not role_ok(o, role.value):
                continue
            if conflict_codes(o, problem, policy, inp.context, history, opened.get(o.id, 0)):
                continue
            h.addCol(float(blk.real[s, j]), 0.0, 1.0, 0, [], [])
            h.changeColIntegrality(n, highspy.HighsVarType.kInteger)
            by_slot[s].append(n)
            by_pair[(p, j)].append(n)
            by_officer[j].append(n)
            n += 1
    loads: dict[int, list[int]] = defaultdict(list)
    for j, o in enumerate(comp.officers):
        left = max(0, o.capacity - opened.get(o.id, 0))
        for k in range(left):
            h.addCol(float(policy.weights.load * (int(comp.workload[j]) + k)), 0.0, 1.0, 0, [], [])
            loads[j].append(n)
            n += 1
    for s in range(comp.n_slots):
        cols = by_slot.get(s, [])
        if not cols:
            return None
        h.addRow(1.0, 1.0, len(cols), np.array(cols, np.int32), np.ones(len(cols)))
    for cols in by_pair.values():
        if len(cols) > 1:
            h.addRow(
                -highspy.kHighsInf, 1.0, len(cols), np.array(cols, np.int32), np.ones(len(cols))
            )
    for j, cols in by_officer.items():
        idx = cols + loads[j]
        vals = [1.0] * len(cols) + [-1.0] * len(loads[j])
        h.addRow(0.0, 0.0, len(idx), np.array(idx, np.int32), np.array(vals))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return round(h.getInfo().objective_function_value)
