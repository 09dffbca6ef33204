"""Randomised mode: LP marginals capped at q, exact in expectation, seeded and re-derivable."""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

from services.pairing.domain.audit import audit
from services.pairing.domain.compiled import Compiled
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.optimiser import FlowSolution, solve_batch, solve_flow
from services.pairing.domain.policy import Policy
from services.pairing.domain.randomised import Draws, derive_seed, draw, marginals, solve_randomised
from services.pairing.domain.result import Assignment

POLICY = Policy()


def test_empirical_frequencies_match_the_lp_probabilities(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 40, 12, seed=8, capacity=2)
    q = Fraction(1, 3)
    comp = Compiled(inp, POLICY, q.denominator)
    sol = solve_flow(comp, q.numerator, q.denominator)
    assert isinstance(sol, FlowSolution)
    marg = marginals(sol)
    assert max(marg.values()) <= q
    runs = 600
    seen: Counter[tuple[str, str]] = Counter()
    for i in range(runs):  # a fixed seed set: the test is deterministic
        result = draw(sol, q, derive_seed("fixed-digest", f"draw-{i}"))
        for team in result.teams:
            for m in team.members:
                seen[(team.problem_id, m.officer_id)] += 1
    worst = 0.0
    for (p, o), prob in marg.items():
        key = (comp.problems[p].id, comp.officers[o].id)
        freq = seen[key] / runs
        sigma = math.sqrt(float(prob * (1 - prob)) / runs)
        assert abs(freq - float(prob)) <= 4.5 * sigma + 1e-9, (key, freq, prob)
        worst = max(worst, abs(freq - float(prob)))
    assert set(seen) <= {(comp.problems[p].id, comp.officers[o].id) for p, o in marg}
    assert worst < 0.1


def test_probabilities_stored_and_capped(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 60, 30, seed=9)
    q = Fraction(1, 2)
    result = solve_randomised(inp, q, "2024-07-01 lottery 123456", POLICY)
    assert isinstance(result, Assignment)
    assert result.mode == "randomised" and result.q == q and result.seed
    assert all(v <= q for _, _, v in result.probabilities)
    exact = solve_batch(inp, POLICY)
    assert isinstance(exact, Assignment)
    assert result.expected_cost is not None and result.expected_cost >= exact.total_cost
    again = solve_randomised(inp, q, "2024-07-01 lottery 123456", POLICY)
    other = solve_randomised(inp, q, "another published value", POLICY)
    assert isinstance(again, Assignment) and isinstance(other, Assignment)
    assert again.canonical_json() == result.canonical_json()
    assert other.seed != result.seed
    assert other.probabilities == result.probabilities  # same LP, different draw


def test_small_q_keeps_every_rule(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 120, 40, seed=12, capacity=4)
    q = Fraction(1, 10)
    result = solve_randomised(inp, q, "x", POLICY)
    assert isinstance(result, Assignment)
    assert audit(result.teams, inp, POLICY) == []
    assert max(v for _, _, v in result.probabilities) <= q
    exact = solve_batch(inp, POLICY)
    assert isinstance(exact, Assignment)
    assert result.expected_cost is not None and result.expected_cost >= exact.total_cost


def test_q_one_is_the_exact_optimum(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 40, 20, seed=3)
    exact = solve_batch(inp, POLICY)
    capped = solve_randomised(inp, Fraction(1), "x", POLICY)
    assert isinstance(exact, Assignment) and isinstance(capped, Assignment)
    assert capped.expected_cost == exact.total_cost


def test_draws_are_uniform_and_reproducible() -> None:
    a, b = Draws("seed"), Draws("seed")
    xs = [a.below(6) for _ in range(6000)]
    assert xs == [b.below(6) for _ in range(6000)]
    counts = Counter(xs)
    assert set(counts) == set(range(6))
    assert all(abs(c - 1000) < 150 for c in counts.values())
