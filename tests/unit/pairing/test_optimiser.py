"""Exact optimiser: optimality against an independent MIP, sparse = dense, modes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.pairing.domain.audit import audit
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.optimiser import Infeasible, assign_incremental, solve_batch
from services.pairing.domain.policy import Policy
from services.pairing.domain.result import Assignment

from .mip import mip_optimum

POLICY = Policy()
DENSE = replace(POLICY, candidates_per_slot=10_000, spread_per_slot=0, reprice_rounds=0)
SPARSE = replace(
    POLICY, candidates_per_slot=1, spread_per_slot=0, reprice_per_slot=2, pricing_per_slot=1
)


@pytest.mark.parametrize("seed", range(8))
def test_equal_to_the_mip_optimum(zhangzhou: Divisions, seed: int) -> None:
    inp = synthetic_instance(zhangzhou, 16, 8, seed=seed, capacity=2, forbidden_share=0.1)
    result = solve_batch(inp, SPARSE)
    best = mip_optimum(inp, POLICY)
    if best is None:
        assert isinstance(result, Infeasible)
        return
    assert isinstance(result, Assignment)
    assert result.total_cost == best
    assert audit(result.teams, inp, POLICY) == []


@pytest.mark.parametrize("seed", range(4))
def test_sparse_network_with_pricing_equals_the_dense_network(
    zhangzhou: Divisions, seed: int
) -> None:
    inp = synthetic_instance(zhangzhou, 60, 80, seed=seed, forbidden_share=0.05)
    sparse = solve_batch(inp, SPARSE)
    dense = solve_batch(inp, DENSE)
    assert isinstance(sparse, Assignment) and isinstance(dense, Assignment)
    assert sparse.total_cost == dense.total_cost  # exact: the same real optimum
    assert sparse.stats.candidate_arcs < dense.stats.candidate_arcs
    assert sparse.stats.arcs_added_by_check > 0


def test_objective_is_real_cost_scaled_plus_tie_breaks(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 40, 30, seed=11)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    members = [m for t in result.teams for m in t.members]
    assert result.total_cost == sum(m.cost.real for m in members)
    scale = 256 * (len(members) + 1)
    assert result.objective == result.total_cost * scale + sum(m.cost.tie_break for m in members)


def test_incremental_mode_respects_open_cases(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 30, 5, seed=2)
    problem = inp.problems[0]
    first = assign_incremental(problem, inp, POLICY)
    assert isinstance(first, Assignment)
    chosen = first.teams[0].officer_ids()
    busy = replace(
        inp,
        open_cases=tuple((o, next(x.capacity for x in inp.officers if x.id == o)) for o in chosen),
    )
    second = assign_incremental(problem, busy, POLICY)
    assert isinstance(second, Assignment)
    assert not set(second.teams[0].officer_ids()) & set(chosen)
    assert audit(second.teams, replace(busy, problems=(problem,)), POLICY) == []


def test_loads_are_convex_so_work_spreads(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 60, 60, seed=4, capacity=12)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    loads = result.loads()
    # 120 slots over 60 officers: convex load costs keep everyone within a few cases
    assert max(loads.values()) <= 5
