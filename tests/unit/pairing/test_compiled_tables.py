"""Registry tables kept across solves (officer_tables.py, service_layer/compiling.py): a compile on
tables built for another input of the same registry is the compile from scratch, array for
array, and so are the solve and its TeamAssigned fields."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import numpy as np
import pytest

from services.pairing.domain.compiled import Compiled
from services.pairing.domain.events import team_assigned_fields
from services.pairing.domain.explain import pool_summaries
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import PairingInput, PastAssignment
from services.pairing.domain.policy import Policy
from services.pairing.service_layer.compiling import TablesCache
from services.pairing.service_layer.solving import SolveMode, run

ARRAYS = (
    "excl_start", "excl_off", "workload", "rec", "remaining", "wide_ok", "qual", "off_skills",
    "h_off", "h_prob", "off_county", "off_city", "off_is_county", "county_city", "travel_table",
    "slot_prob", "slot_role", "prob_pref", "prob_county", "prob_escalated",
)


def with_history(inp: PairingInput, seed: int) -> PairingInput:
    """History in and out of every window, some of it by officers no longer registered."""
    rng = random.Random(seed)
    towns = sorted({p.town_code for p in inp.problems})
    history = tuple(
        PastAssignment(o.id if rng.random() < 0.95 else "GONE", f"H{i}", rng.choice(towns),
                       inp.context.round - rng.randint(-1, 14))
        for i, o in enumerate(inp.officers * 3) if rng.random() < 0.5
    )
    open_cases = (*((o.id, rng.randint(0, 4)) for o in inp.officers[::3]), ("GONE", 1))
    return replace(inp, history=history, open_cases=open_cases)


def assert_same(a: Compiled, b: Compiled) -> None:
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.scale, a.counties, a.skill_bit) == (b.scale, b.counties, b.skill_bit)
    assert [o.id for o in a.officers] == [o.id for o in b.officers]
    assert a.history_by_officer == b.history_by_officer
    assert pool_summaries(a) == pool_summaries(b)


@pytest.mark.parametrize("seed", range(4))
def test_a_compile_on_kept_tables_is_the_compile_from_scratch(zhangzhou: Divisions, seed: int) -> None:
    base = synthetic_instance(zhangzhou, 90, 30, seed=seed, forbidden_share=0.1, escalated_share=0.2)
    earlier = with_history(replace(base, problems=base.problems[:3]), seed + 100)
    now = with_history(replace(base, problems=base.problems[3:]), seed)
    policy = Policy() if seed % 2 else replace(Policy(), escalated_same_county=False, recent_rounds=4)
    kept = Compiled(earlier, policy).tables
    on_kept = Compiled(now, policy, tables=kept)
    assert on_kept.tables is kept
    assert_same(on_kept, Compiled(now, policy))


def test_tables_of_another_day_policy_or_registry_are_not_used(zhangzhou: Divisions) -> None:
    inp = with_history(synthetic_instance(zhangzhou, 60, 10, seed=7), 7)
    kept = Compiled(inp, Policy()).tables
    later = replace(inp, context=replace(inp.context, as_of=inp.context.as_of + timedelta(days=400)))
    other = replace(Policy(), served_years=1)
    fewer = replace(inp, officers=inp.officers[1:])
    for changed, policy in ((later, Policy()), (inp, other), (fewer, Policy())):
        comp = Compiled(changed, policy, tables=kept)
        assert comp.tables is not kept
        assert_same(comp, Compiled(changed, policy))


def test_problems_in_a_county_without_officers(zhangzhou: Divisions) -> None:
    inp = with_history(synthetic_instance(zhangzhou, 120, 20, seed=3), 3)
    county = inp.problems[0].county_code
    officers = tuple(o for o in inp.officers if o.post.county_code != county)
    kept = Compiled(replace(inp, officers=officers, problems=()), Policy()).tables
    inp = replace(inp, officers=officers)
    on_kept = Compiled(inp, Policy(), tables=kept)
    assert on_kept.tables is kept and county in on_kept.counties
    assert_same(on_kept, Compiled(inp, Policy()))


@pytest.mark.parametrize("q", [None, Fraction(1, 3)])
def test_solves_on_the_cache_give_the_same_teams_and_fields(zhangzhou: Divisions, q: Fraction | None) -> None:
    cache = TablesCache()
    base = synthetic_instance(zhangzhou, 80, 24, seed=11, forbidden_share=0.1, escalated_share=0.1)
    mode = SolveMode(q, "value" if q else None)
    for k in range(3):  # three solves in a row on one registry, as the consumer makes them
        inp = with_history(replace(base, problems=base.problems[8 * k: 8 * k + 8]), k)
        compile = cache.compiler()
        cached = run(inp, Policy(), mode, compile)
        fresh = run(inp, Policy(), mode)
        assert cached.assignment is not None and fresh.assignment is not None
        assert cached.assignment.canonical_json() == fresh.assignment.canonical_json()
        assert cached.escalations == fresh.escalations
        assert (team_assigned_fields(cached.assignment, compile(inp, Policy(), 1))
                == team_assigned_fields(fresh.assignment, Compiled(inp, Policy())))
    assert len(cache._tables) == 1


def test_one_solve_compiles_its_input_once(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 40, 4, seed=2)
    compile = TablesCache().compiler()
    assert compile(inp, Policy(), 1) is compile(inp, Policy(), 1)
    assert compile(inp, Policy(), 3) is not compile(inp, Policy(), 1)
