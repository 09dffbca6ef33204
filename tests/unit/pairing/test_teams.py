"""Team network (teams.py): the same model and optimum as the slot network of flow.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from services.pairing.domain.audit import audit
from services.pairing.domain.compiled import Compiled
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import Category, PairingInput, PastAssignment, Skill
from services.pairing.domain.optimiser import (
    Infeasible,
    integral_choice,
    members_of,
    solve_batch,
    solve_flow,
)
from services.pairing.domain.policy import DEFAULT_PREFERRED_SKILL, DEFAULT_TEMPLATES, Policy, Role
from services.pairing.domain.result import Assignment
from services.pairing.domain.teams import EITHER, FIRST, SECOND, TeamDense, applies


def policy_with(kind: str) -> Policy:
    templates = dict(DEFAULT_TEMPLATES)
    preferred = dict(DEFAULT_PREFERRED_SKILL)
    if kind == "one_slot":
        templates[Category.CONDUCT] = (Role.LEAD,)
        templates[Category.OTHER] = (Role.MEMBER,)
    elif kind == "same_role":
        templates[Category.OTHER] = (Role.MEMBER, Role.MEMBER)
        templates[Category.BIDDING] = (Role.ENGINEERING, Role.LEAD)
    elif kind == "three_slots":
        templates[Category.SANZI] = (Role.LEAD, Role.FINANCE, Role.MEMBER)
    elif kind == "asymmetric":  # a lead lacking law pays a mismatch, a finance member does not
        preferred[Category.SANZI] = Skill.LAW
    return replace(Policy(), templates=templates, preferred_skill=preferred)


def with_history(inp: PairingInput, seed: int) -> PairingInput:
    towns = sorted({p.town_code for p in inp.problems})
    history = tuple(
        PastAssignment(o.id, f"H{i}", towns[(i * 7 + seed) % len(towns)], inp.context.round - i % 3)
        for i, o in enumerate(inp.officers)
        if i % 3 == 0
    )
    return replace(inp, history=history, open_cases=tuple((o.id, 1) for o in inp.officers[::5]))


def test_dense_costs_and_classes_agree_with_the_slot_blocks(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 50, 30, seed=3, forbidden_share=0.2, escalated_share=0.3)
    comp = Compiled(with_history(inp, 3), Policy())
    dense = TeamDense(comp)
    assert not dense.hopeless
    blk = comp.block(np.arange(comp.n_slots, dtype=np.int64))
    first = comp.prob_slot_start[:-1]
    e1, e2 = blk.eligible[first], blk.eligible[first + 1]
    want = np.select([e1 & e2, e1, e2], [EITHER, FIRST, SECOND], 0)
    assert (dense.cls == want).all()
    assert (dense.tie == blk.tie[first]).all()
    # a member costs the same in either slot it can fill
    assert ((dense.real == blk.real[first]) | ~e1).all()
    assert ((dense.real == blk.real[first + 1]) | ~e2).all()


@pytest.mark.parametrize("kind", ["default", "one_slot", "same_role"])
@pytest.mark.parametrize("seed", range(4))
def test_team_network_has_the_slot_network_optimum(
    zhangzhou: Divisions, kind: str, seed: int
) -> None:
    policy = policy_with(kind)
    inp = synthetic_instance(zhangzhou, 40, 30, seed=seed, capacity=2, forbidden_share=0.1)
    inp = with_history(inp, seed)
    comp = Compiled(inp, policy)
    assert applies(comp)
    slot = solve_flow(comp)
    team = solve_batch(inp, policy)
    if isinstance(slot, Infeasible):
        assert isinstance(team, Infeasible)
        assert [c.as_dict() for c in team.certificates] == [c.as_dict() for c in slot.certificates]
        return
    assert isinstance(team, Assignment)
    _, slot_cost, _ = members_of(comp, integral_choice(slot))
    assert team.total_cost == slot_cost
    assert audit(team.teams, inp, policy) == []


@pytest.mark.parametrize("kind", ["three_slots", "asymmetric"])
def test_other_templates_are_solved_on_the_slot_network(zhangzhou: Divisions, kind: str) -> None:
    policy = policy_with(kind)
    inp = synthetic_instance(zhangzhou, 40, 20, seed=1, capacity=3)
    comp = Compiled(inp, policy)
    assert not applies(comp)
    result = solve_batch(inp, policy)
    slot = solve_flow(comp)
    assert isinstance(result, Assignment) and not isinstance(slot, Infeasible)
    assert result.teams == members_of(comp, integral_choice(slot))[0]


def test_team_solve_needs_few_rounds(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 200, 500, seed=9)
    result = solve_batch(inp, Policy())
    assert isinstance(result, Assignment)
    assert result.stats.solves <= 6  # real-cost rounds plus the tie-break solve
