"""Twelve periods in Zhangzhou's 146 real towns: balanced loads, nobody in their own town."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from services.pairing.domain.audit import audit
from services.pairing.domain.instances import (
    Divisions,
    declare_relations,
    make_officers,
    make_problems,
)
from services.pairing.domain.model import Context, PairingInput, PastAssignment
from services.pairing.domain.optimiser import solve_batch
from services.pairing.domain.policy import Policy
from services.pairing.domain.result import Assignment

from .conftest import AS_OF

POLICY = Policy()
PERIODS = 12
PER_PERIOD = 120  # about the source's 2,083 problems a year, a month's share with margin


def simulate(div: Divisions) -> tuple[list[Assignment], PairingInput, list[PairingInput]]:
    rng = random.Random(2024)
    # 146 towns x 2 township officers, 11 counties x 8 county officers, village supervisors
    officers = make_officers(div, 440, rng, AS_OF, capacity=4, county_share=0.2, village_share=0.2)
    problems = make_problems(div, PERIODS * PER_PERIOD, rng, escalated_share=0.02)
    officers = declare_relations(officers, problems, rng, share=0.05)
    history: list[PastAssignment] = []
    results, inputs = [], []
    for period in range(PERIODS):
        batch = problems[period * PER_PERIOD : (period + 1) * PER_PERIOD]
        inp = PairingInput(
            officers=tuple(officers),
            problems=tuple(batch),
            context=Context(as_of=AS_OF, round=period),
            history=tuple(history),
        )
        result = solve_batch(inp, POLICY)
        assert isinstance(result, Assignment), f"period {period} infeasible"
        results.append(result)
        inputs.append(inp)
        town = {p.id: p.town_code for p in batch}
        history.extend(
            PastAssignment(m.officer_id, t.problem_id, town[t.problem_id], period)
            for t in result.teams
            for m in t.members
        )
    last = replace(inputs[-1], history=tuple(history))
    return results, last, inputs


def test_twelve_periods(zhangzhou: Divisions) -> None:
    results, final, inputs = simulate(zhangzhou)
    officers = {o.id: o for o in final.officers}
    for result, inp in zip(results, inputs, strict=True):
        assert audit(result.teams, inp, POLICY) == []  # every rule, incl. recent same town
        towns = {p.id: p.town_code for p in inp.problems}
        for team in result.teams:
            for m in team.members:
                assert officers[m.officer_id].post.town_code != towns[team.problem_id]
                assert officers[m.officer_id].native_town != towns[team.problem_id]
    loads = Counter(h.officer_id for h in final.history)
    active = [o for o in final.officers if o.available]
    counts = [loads.get(o.id, 0) for o in active]
    total = PERIODS * PER_PERIOD * 2
    assert sum(counts) == total
    mean = total / len(active)
    # convex load costs: after 12 periods (mean about 6.8 cases) every available officer has
    # between 6 and 8 cases: a spread of at most 2 despite conflicts, skills and travel
    assert max(counts) - min(counts) <= 2, (min(counts), max(counts), mean)
    assert all(abs(c - mean) <= 1.5 for c in counts), (min(counts), max(counts), mean)
