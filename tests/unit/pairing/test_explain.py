"""Explanations: pools, exclusions by reason, costs, and "why not officer X"."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from services.pairing.domain.compiled import Compiled
from services.pairing.domain.conflicts import exclusions
from services.pairing.domain.events import problem_from_opened
from services.pairing.domain.explain import explain, pool_summaries, why_not
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import Category, PairingInput, Problem
from services.pairing.domain.optimiser import solve_batch, solve_with_escalation
from services.pairing.domain.policy import Policy, qualifies
from services.pairing.domain.result import Assignment

from .conftest import CTX, FOTAN, JIUZHEN, SUIAN, township

POLICY = Policy()


def test_explanation_counts_pool_and_reasons(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 60, 20, seed=13, forbidden_share=0.2)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    problem = inp.problems[5]
    e = explain(result, inp, POLICY, problem.id)
    reasons = {o.id: exclusions(o, problem, POLICY, inp.context) for o in inp.officers}
    counted: Counter[object] = Counter(r for rs in reasons.values() for r in rs)
    assert dict(e.exclusions) == dict(counted)
    assert e.excluded == sum(1 for rs in reasons.values() if rs)
    roles = POLICY.roles_for(problem.category)
    for role, size in e.slot_pools:
        assert size == sum(1 for o in inp.officers if not reasons[o.id] and qualifies(o, role))
    assert e.pool_size + e.excluded <= len(inp.officers)
    assert [m.role for m in e.members] == list(roles)
    assert all(m.probability == 1 for m in e.members)


def test_why_not_every_eligible_officer_would_cost_more(zhangzhou: Divisions) -> None:
    """Exact mode: any feasible one-member swap costs >= 0 more (the optimum is optimal)."""
    inp = synthetic_instance(zhangzhou, 50, 40, seed=17)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    comp = Compiled(inp, POLICY)
    statuses: Counter[str] = Counter()
    for problem in inp.problems[:8]:
        for officer in inp.officers:
            answer = why_not(result, inp, POLICY, officer.id, problem.id, comp)
            statuses[answer.status] += 1
            if answer.status == "costlier":
                assert answer.swaps and all(s.delta >= 0 for s in answer.swaps)
            if answer.status == "excluded":
                assert answer.reasons
    assert statuses["on_team"] == 16
    assert statuses["costlier"] > 0 and statuses["excluded"] > 0


def test_why_not_statuses_on_a_small_case() -> None:
    officers = (
        township("same", JIUZHEN),
        township("busy", SUIAN, capacity=1),
        township("free", FOTAN, capacity=1),
        township("lead2", FOTAN, capacity=2, skills=frozenset()),
        township("nofin", SUIAN, capacity=2, skills=frozenset()),
    )
    problems = (Problem("P1", JIUZHEN, Category.SANZI), Problem("P2", JIUZHEN, Category.SANZI))
    inp = PairingInput(officers=officers, problems=problems, context=CTX)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    assert why_not(result, inp, POLICY, "same", "P1").status == "excluded"
    finance = {t.members[1].officer_id for t in result.teams}
    assert finance == {"busy", "free"}
    other = next(t for t in result.teams if "busy" not in t.officer_ids())
    answer = why_not(result, inp, POLICY, "busy", other.problem_id)
    assert answer.status == "capacity_used" and answer.load == 1 == answer.capacity


def test_pool_summaries_agree_with_explain(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 70, 25, seed=23, forbidden_share=0.2, escalated_share=0.3)
    inp = replace(inp, open_cases=tuple((o.id, o.capacity) for o in inp.officers[::9]))
    result = solve_with_escalation(inp, POLICY).assignment
    assert result is not None
    summaries = pool_summaries(Compiled(inp, POLICY))
    for problem in inp.problems:
        team = next((t for t in result.teams if t.problem_id == problem.id), None)
        if team is None:
            continue
        e = explain(result, inp, POLICY, problem.id)
        assert summaries[problem.id].pool_size == e.pool_size
        assert summaries[problem.id].exclusions == {r.value: n for r, n in e.exclusions}


def test_problem_from_opened_payload() -> None:
    payload = {
        "problem_id": "p-1",
        "place": {"town_code": JIUZHEN, "village_code": "350623101226", "county_code": "350623"},
        "category": "sanzi",
        "subject_name": "cadre:A",
        "escalate_up": True,
        "priority": 2,
    }
    problem = problem_from_opened(payload)
    assert problem == Problem(
        "p-1", JIUZHEN, Category.SANZI, "350623101226", "cadre:A", escalated=True, priority=2
    )
