"""Benchmark of the pairing engine on instances built from the real division codes.

Run from the repository root:  .venv/bin/python tests/bench/bench_pairing.py [--divisions DIR]
                               [--only zhangzhou,fujian,big,mip,random] [--draws N]
                               [--no-randomised]
The exact solve of the reference size alone:  ... --only big --no-randomised

Instances (synthetic officers placed in real towns; problems in real villages; about 5% of
(officer, problem) pairs forbidden by declared relations, plus every real conflict rule;
teams of two, a specialist slot by category):
  zhangzhou  Zhangzhou's 146 towns, 440 officers, 1,200 problems
  fujian     Fujian's 1,170 towns, 2,900 officers, 6,000 problems
  big        Fujian, 2,000 officers x 10,000 problems (the reference size)
Each instance runs in its own process, so its peak RSS (getrusage) is its own. Times are
wall-clock (`*_s`) and CPU of the process (`*_cpu_s`, time.process_time): on a shared, loaded
machine the wall time measures the neighbours too, so the goal is judged on both.
Also: cost against an exact HiGHS MIP on small instances, randomised empirical frequencies
against the LP probabilities, and conflict violations found by the independent audit (must
be 0). Prints figures, then ONE final JSON line with all of them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.pairing.domain.audit import audit  # noqa: E402
from services.pairing.domain.certificate import check_certificate  # noqa: E402
from services.pairing.domain.compiled import Compiled  # noqa: E402
from services.pairing.domain.events import team_assigned_fields  # noqa: E402
from services.pairing.domain.instances import ZHANGZHOU, load_divisions, synthetic_instance  # noqa: E402
from services.pairing.domain.model import PairingInput  # noqa: E402
from services.pairing.domain.optimiser import (  # noqa: E402
    FlowSolution,
    Infeasible,
    solve_batch,
    solve_flow,
    solve_with_escalation,
)
from services.pairing.domain.policy import Policy  # noqa: E402
from services.pairing.domain.randomised import derive_seed, draw, marginals, solve_randomised  # noqa: E402
from services.pairing.domain.result import Assignment  # noqa: E402

SIZES = {
    "zhangzhou": (ZHANGZHOU, 440, 1_200),
    "fujian": ("35", 2_900, 6_000),
    "big": ("35", 2_000, 10_000),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_instance(name: str, divisions: Path, randomised: bool) -> dict[str, object]:
    prefix, n_off, n_prob = SIZES[name]
    div = load_divisions(divisions).restrict(prefix)
    t0 = time.perf_counter()
    inp = synthetic_instance(div, n_off, n_prob, seed=2024)
    gen = time.perf_counter() - t0
    base_mb = peak_mb()
    policy = Policy()
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    outcome = solve_with_escalation(inp, policy)
    solve, cpu = time.perf_counter() - t0, time.process_time() - c0
    escalated = {e.problem_id for e in outcome.escalations}
    certified = all(check_certificate(e.certificate, inp, policy) for e in outcome.escalations)
    inp = replace(inp, problems=tuple(p for p in inp.problems if p.id not in escalated))
    out: dict[str, object] = {
        "towns": len(div.towns),
        "officers": len(inp.officers),
        "problems": len(inp.problems),
        "generate_s": round(gen, 3),
        "problems_opened": n_prob,
        "build_solve_s": round(solve, 3),
        "build_solve_cpu_s": round(cpu, 3),
        "load_average_at_start": round(load, 2),
        "peak_rss_mb": round(peak_mb(), 1),
        "rss_before_solve_mb": round(base_mb, 1),
        "escalated": len(escalated),
        "certificates_checked": certified,
        "escalation_reasons": sorted({e.certificate.summary for e in outcome.escalations}),
    }
    result = outcome.assignment
    if result is None:
        return out
    t0 = time.perf_counter()
    violations = audit(result.teams, inp, policy)
    forbidden = sum(1 for o in inp.officers for r in o.relations if r.target_kind.value == "person")
    subjects = Counter(p.subject_id for p in inp.problems)
    blocked = sum(subjects[r.target] for o in inp.officers for r in o.relations)
    loads = sorted(result.loads().values())
    out.update(
        {
            "audit_s": round(time.perf_counter() - t0, 3),
            "violations": len(violations),
            "total_cost": result.total_cost,
            "slots": result.stats.slots,
            "candidate_arcs": result.stats.candidate_arcs,
            "pair_nodes": result.stats.pair_nodes,
            "solves": result.stats.solves,
            "arcs_added_by_pricing": result.stats.arcs_added_by_check,
            "declared_relations": forbidden,
            "forbidden_pair_share": round(blocked / (len(inp.officers) * len(inp.problems)), 4),
            "load_min_max": [loads[0], loads[-1]],
        }
    )
    t0, c0 = time.perf_counter(), time.process_time()
    fields = team_assigned_fields(result, Compiled(inp, policy))
    out["team_assigned_fields_s"] = round(time.perf_counter() - t0, 3)
    out["team_assigned_fields_cpu_s"] = round(time.process_time() - c0, 3)
    out["eligible_pool_min"] = min(f["eligible_pool"] for f in fields)
    if randomised:
        q = Fraction(1, 2)

        def capped(i: PairingInput, p: Policy) -> Assignment | Infeasible:
            return solve_randomised(i, q, "bench-published-value", p)

        t0, c0 = time.perf_counter(), time.process_time()
        rnd = solve_with_escalation(inp, policy, capped)
        out["randomised_q_half_s"] = round(time.perf_counter() - t0, 3)
        out["randomised_q_half_cpu_s"] = round(time.process_time() - c0, 3)
        out["randomised_escalated"] = len(rnd.escalations)
        if rnd.assignment is not None and rnd.assignment.expected_cost is not None:
            kept = {t.problem_id for t in rnd.assignment.teams}
            sub = replace(inp, problems=tuple(p for p in inp.problems if p.id in kept))
            base = solve_batch(sub, policy)
            assert isinstance(base, Assignment)
            ratio = float(rnd.assignment.expected_cost) / base.total_cost
            out["randomised_expected_cost_ratio"] = round(ratio, 5)
            out["randomised_violations"] = len(audit(rnd.assignment.teams, sub, policy))
        out["peak_rss_mb"] = round(peak_mb(), 1)
    return out


def mip_comparison(divisions: Path) -> dict[str, object]:
    from tests.unit.pairing.mip import mip_optimum

    div = load_divisions(divisions).restrict(ZHANGZHOU)
    rows = []
    for seed in range(5):
        inp = synthetic_instance(div, 30, 25, seed=seed, capacity=2)
        t0 = time.perf_counter()
        res = solve_batch(inp, Policy())
        flow_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        best = mip_optimum(inp, Policy())
        mip_s = time.perf_counter() - t0
        assert isinstance(res, Assignment) and best is not None
        rows.append((res.total_cost, best, flow_s, mip_s, len(inp.officers), len(inp.problems)))
    return {
        "instances": len(rows),
        "size": f"{rows[0][4]} officers x {rows[0][5]} problems",
        "cost_ratio_max": max(a / b for a, b, *_ in rows),
        "cost_equal": all(a == b for a, b, *_ in rows),
        "flow_s_mean": round(sum(r[2] for r in rows) / len(rows), 3),
        "mip_s_mean": round(sum(r[3] for r in rows) / len(rows), 3),
    }


def frequencies(divisions: Path, draws: int) -> dict[str, object]:
    div = load_divisions(divisions).restrict(ZHANGZHOU)
    inp = synthetic_instance(div, 120, 40, seed=7, capacity=2)
    q = Fraction(1, 2)
    comp = Compiled(inp, Policy(), q.denominator)
    sol = solve_flow(comp, q.numerator, q.denominator)
    assert isinstance(sol, FlowSolution)
    marg = marginals(sol)
    seen: Counter[tuple[int, int]] = Counter()
    t0 = time.perf_counter()
    for i in range(draws):
        res = draw(sol, q, derive_seed("bench", str(i)))
        for t in res.teams:
            for m in t.members:
                seen[(comp.prob_index[t.problem_id], comp.off_index[m.officer_id])] += 1
    per_draw = (time.perf_counter() - t0) / draws
    dev = [abs(seen[k] / draws - float(v)) for k, v in marg.items()]
    z = [
        abs(seen[k] / draws - float(v)) / math.sqrt(float(v * (1 - v)) / draws)
        for k, v in marg.items()
        if v < 1
    ]
    return {
        "draws": draws,
        "pairs": len(marg),
        "q": "1/2",
        "max_probability": str(max(marg.values())),
        "max_abs_deviation": round(max(dev), 4),
        "max_z": round(max(z), 2) if z else 0.0,
        "outside_support": sum(1 for k in seen if k not in marg),
        "draw_s": round(per_draw, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--divisions", default=str(ROOT / "data" / "divisions"))
    parser.add_argument("--only", default="zhangzhou,fujian,big,mip,random")
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--no-randomised", action="store_true", help="skip the randomised solves")
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    divisions = Path(args.divisions)
    if args.child:
        name, rnd = args.child.split(":")
        print(json.dumps(run_instance(name, divisions, rnd == "1")))
        return
    figures: dict[str, object] = {}
    wanted = args.only.split(",")
    for name in ("zhangzhou", "fujian", "big"):
        if name not in wanted:
            continue
        child = f"{name}:{1 if name != 'fujian' and not args.no_randomised else 0}"
        cmd = [sys.executable, __file__, "--divisions", str(divisions), "--child", child]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        figures[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(name, json.dumps(figures[name], ensure_ascii=False), flush=True)
    if "mip" in wanted:
        figures["mip"] = mip_comparison(divisions)
        print("mip", json.dumps(figures["mip"]), flush=True)
    if "random" in wanted:
        figures["randomised_frequencies"] = frequencies(divisions, args.draws)
        print("randomised", json.dumps(figures["randomised_frequencies"]), flush=True)
    big = figures.get("big", {})
    if isinstance(big, dict) and "build_solve_s" in big:
        fits = big["peak_rss_mb"] <= 1024 and big.get("violations") == 0
        figures["goal_10000x2000_le_5s_1gb"] = bool(big["build_solve_s"] <= 5 and fits)
        figures["goal_10000x2000_le_5s_cpu_1gb"] = bool(big["build_solve_cpu_s"] <= 5 and fits)
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
