"""Property tests (hypothesis): no assignment breaks a rule, the same inputs in any order and
the same seed give byte-identical output."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.pairing.domain.audit import audit
from services.pairing.domain.certificate import check_certificate
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import PairingInput, PastAssignment
from services.pairing.domain.optimiser import solve_batch, solve_with_escalation
from services.pairing.domain.policy import Policy
from services.pairing.domain.randomised import solve_randomised
from services.pairing.domain.result import Assignment

POLICY = Policy()
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def instances(draw: st.DrawFn, div: Divisions) -> PairingInput:
    seed = draw(st.integers(0, 10_000))
    inp = synthetic_instance(
        div,
        draw(st.integers(20, 120)),
        draw(st.integers(1, 40)),
        seed=seed,
        capacity=draw(st.integers(1, 3)),
        forbidden_share=draw(st.sampled_from([0.0, 0.05, 0.3])),
        escalated_share=draw(st.sampled_from([0.0, 0.1, 0.5])),
    )
    rng = random.Random(seed)
    towns = sorted({p.town_code for p in inp.problems})
    history = tuple(
        PastAssignment(o.id, f"H{i}", rng.choice(towns), inp.context.round - rng.randint(0, 3))
        for i, o in enumerate(inp.officers)
        if rng.random() < draw(st.sampled_from([0.0, 0.3]))
    )
    opened = tuple((o.id, 1) for o in inp.officers if rng.random() < 0.2)
    return replace(inp, history=history, open_cases=opened)


def shuffled(inp: PairingInput, seed: int) -> PairingInput:
    rng = random.Random(seed)
    officers, problems, history = list(inp.officers), list(inp.problems), list(inp.history)
    for items in (officers, problems, history):
        rng.shuffle(items)
    return replace(inp, officers=tuple(officers), problems=tuple(problems), history=tuple(history))


@SETTINGS
@given(data=st.data())
def test_no_assignment_ever_breaks_a_rule(zhangzhou: Divisions, data: st.DataObject) -> None:
    inp = data.draw(instances(zhangzhou))
    outcome = solve_with_escalation(inp, POLICY)
    escalated = {e.problem_id for e in outcome.escalations}
    for e in outcome.escalations:
        assert check_certificate(e.certificate, inp, POLICY)
    rest = replace(inp, problems=tuple(p for p in inp.problems if p.id not in escalated))
    if outcome.assignment is None:
        assert not rest.problems
        return
    assert audit(outcome.assignment.teams, rest, POLICY) == []


@SETTINGS
@given(data=st.data(), order=st.integers(0, 1000))
def test_same_inputs_in_any_order_give_identical_bytes(
    zhangzhou: Divisions, data: st.DataObject, order: int
) -> None:
    inp = data.draw(instances(zhangzhou))
    first = solve_batch(inp, POLICY)
    again = solve_batch(shuffled(inp, order), POLICY)
    if isinstance(first, Assignment):
        assert isinstance(again, Assignment)
        assert first.canonical_json() == again.canonical_json()
    else:
        assert not isinstance(again, Assignment)
        assert [c.as_dict() for c in first.certificates] == [
            c.as_dict() for c in again.certificates
        ]


@SETTINGS
@given(
    data=st.data(),
    order=st.integers(0, 1000),
    q=st.sampled_from([Fraction(1, 2), Fraction(1, 3), Fraction(2, 3)]),
)
def test_randomised_mode_respects_cap_rules_and_seed(
    zhangzhou: Divisions, data: st.DataObject, order: int, q: Fraction
) -> None:
    inp = data.draw(instances(zhangzhou))
    first = solve_randomised(inp, q, "published-42", POLICY)
    if not isinstance(first, Assignment):
        return
    assert audit(first.teams, inp, POLICY) == []
    assert all(0 < v <= q for _, _, v in first.probabilities)
    per_problem: dict[str, Fraction] = {}
    for pid, _oid, v in first.probabilities:
        per_problem[pid] = per_problem.get(pid, Fraction(0)) + v
    for team in first.teams:
        assert per_problem[team.problem_id] == len(team.members)
        assert all(m.probability > 0 for m in team.members)
    again = solve_randomised(shuffled(inp, order), q, "published-42", POLICY)
    assert isinstance(again, Assignment)
    assert first.canonical_json() == again.canonical_json()
