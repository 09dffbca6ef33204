"""Each conflict rule (回避规则) on real places, and the three derivations agreeing."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import numpy as np

from services.pairing.domain.audit import conflict_codes
from services.pairing.domain.compiled import Compiled
from services.pairing.domain.conflicts import Reason, exclusions, same_town_twice, years_before
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import (
    Category,
    Context,
    Officer,
    OfficerKind,
    PairingInput,
    PastAssignment,
    Post,
    Problem,
    Relation,
    RelationKind,
    TargetKind,
)
from services.pairing.domain.policy import Policy, Role
from services.pairing.domain.result import CostBreakdown, Member, Team

from .conftest import (
    CTX,
    FOTAN,
    JIUCHENG,
    JIUZHEN,
    SHITOU,
    SUIAN,
    YUNLING_VILLAGE,
    ZHANGPU,
    county_officer,
    township,
)

POLICY = Policy()
PROBLEM = Problem("P1", JIUZHEN, Category.SANZI, village_code=SHITOU, subject_id="cadre:A")


def reasons(
    officer: Officer,
    problem: Problem = PROBLEM,
    history: tuple[PastAssignment, ...] = (),
    open_cases: int = 0,
    policy: Policy = POLICY,
    ctx: Context = CTX,
) -> list[Reason]:
    return exclusions(officer, problem, policy, ctx, history, open_cases)


def test_clean_officer_from_another_town_is_eligible() -> None:
    assert reasons(township("a", SUIAN)) == []


def test_same_town() -> None:
    assert reasons(township("a", JIUZHEN)) == [Reason.SAME_TOWN]


def test_native_town_and_village() -> None:
    assert reasons(township("a", SUIAN, native_village=JIUCHENG)) == [Reason.NATIVE_TOWN]
    assert reasons(township("a", SUIAN, native_village=SHITOU)) == [
        Reason.NATIVE_TOWN,
        Reason.NATIVE_VILLAGE,
    ]


def test_served_within_n_years_counts_from_the_end_date() -> None:
    recent = Post("旧镇镇纪委", ZHANGPU, JIUZHEN, start=date(2018, 1, 1), end=date(2021, 7, 1))
    old = replace(recent, end=date(2021, 6, 29))
    assert reasons(township("a", SUIAN, past_posts=(recent,))) == [Reason.SERVED_WITHIN_N_YEARS]
    assert reasons(township("a", SUIAN, past_posts=(old,))) == []
    county_post = Post("漳浦县财政局", ZHANGPU, start=date(2022, 1, 1), end=date(2023, 1, 1))
    assert reasons(township("a", SUIAN, past_posts=(county_post,))) == []


def test_years_before_on_29_february() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 3, 1)
    assert years_before(date(2027, 3, 1), 1) == date(2026, 3, 1)


def test_declared_relations_to_subject_place_and_case() -> None:
    kin = Relation(RelationKind.KIN, TargetKind.PERSON, "cadre:A")
    other = Relation(RelationKind.KIN, TargetKind.PERSON, "cadre:B")
    village = Relation(RelationKind.INTEREST, TargetKind.PLACE, SHITOU)
    county = Relation(RelationKind.INTEREST, TargetKind.PLACE, ZHANGPU)
    case = Relation(RelationKind.OTHER, TargetKind.CASE, "P1")
    assert reasons(township("a", SUIAN, relations=(kin,))) == [Reason.DECLARED_RELATION_SUBJECT]
    assert reasons(township("a", SUIAN, relations=(other,))) == []
    assert reasons(township("a", SUIAN, relations=(village,))) == [Reason.DECLARED_RELATION_PLACE]
    assert reasons(township("a", SUIAN, relations=(county,))) == [Reason.DECLARED_RELATION_PLACE]
    assert reasons(township("a", SUIAN, relations=(case,))) == [Reason.DECLARED_RELATION_CASE]


def test_recent_same_town_within_m_rounds() -> None:
    officer = township("a", SUIAN)
    recent = PastAssignment("a", "P0", JIUZHEN, CTX.round - POLICY.recent_rounds)
    older = PastAssignment("a", "P0", JIUZHEN, CTX.round - POLICY.recent_rounds - 1)
    elsewhere = PastAssignment("a", "P0", FOTAN, CTX.round)
    assert reasons(officer, history=(recent,)) == [Reason.RECENT_SAME_TOWN]
    assert reasons(officer, history=(older, elsewhere)) == []


def test_escalated_case_only_for_the_county_above() -> None:
    escalated = replace(PROBLEM, escalated=True)
    assert reasons(township("a", SUIAN), problem=escalated) == [Reason.ESCALATED_LEVEL]
    assert reasons(county_officer("c", ZHANGPU), problem=escalated) == []
    assert reasons(county_officer("c", "350622"), problem=escalated) == [Reason.ESCALATED_LEVEL]
    anywhere = replace(POLICY, escalated_same_county=False)
    assert reasons(county_officer("c", "350622"), problem=escalated, policy=anywhere) == []
    group = county_officer("g", ZHANGPU, kind=OfficerKind.DISPATCHED_GROUP)
    assert reasons(group, problem=escalated) == []


def test_unavailable_and_no_capacity() -> None:
    assert reasons(township("a", SUIAN, available=False)) == [Reason.UNAVAILABLE]
    assert reasons(township("a", SUIAN, capacity=2), open_cases=2) == [Reason.NO_CAPACITY]


def test_several_reasons_are_all_listed() -> None:
    officer = township("a", JIUZHEN, native_village=SHITOU, available=False)
    assert reasons(officer) == [
        Reason.SAME_TOWN,
        Reason.NATIVE_TOWN,
        Reason.NATIVE_VILLAGE,
        Reason.UNAVAILABLE,
    ]


def _with_history(inp: PairingInput, seed: int) -> PairingInput:
    rng = random.Random(seed)
    towns = sorted({p.town_code for p in inp.problems})
    history = tuple(
        PastAssignment(o.id, f"H{i}", rng.choice(towns), inp.context.round - rng.randint(0, 4))
        for i, o in enumerate(inp.officers)
        if rng.random() < 0.5
    )
    return replace(inp, history=history, open_cases=tuple((o.id, 1) for o in inp.officers[::7]))


def test_engine_audit_and_compiled_eligibility_agree(zhangzhou: Divisions) -> None:
    """conflicts.exclusions, audit.conflict_codes and the vectorised eligibility of
    compiled.py are three code paths; on every pair they must say the same."""
    inp = synthetic_instance(zhangzhou, 80, 60, seed=5, forbidden_share=0.1, escalated_share=0.2)
    inp = _with_history(inp, 5)
    comp = Compiled(inp, POLICY)
    history = comp.history_by_officer
    opened = dict(inp.open_cases)
    blk = comp.block(np.arange(comp.n_slots, dtype=np.int64))
    checked = 0
    for s in range(comp.n_slots):
        p = comp.problems[int(comp.slot_prob[s])]
        for j, o in enumerate(comp.officers):
            mine = exclusions(o, p, POLICY, inp.context, history.get(o.id, ()), opened.get(o.id, 0))
            theirs = conflict_codes(
                o, p, POLICY, inp.context, history.get(o.id, ()), opened.get(o.id, 0)
            )
            assert {r.value for r in mine} == theirs
            qualified = bool(comp.qual[int(comp.slot_role[s]), j])
            assert bool(blk.eligible[s, j]) == (not mine and qualified)
            checked += 1
    assert checked == comp.n_slots * comp.n_off


def test_village_code_must_be_in_the_town() -> None:
    try:
        Problem("P", JIUZHEN, Category.OTHER, village_code=YUNLING_VILLAGE)
    except ValueError:
        return
    raise AssertionError("a village of another town was accepted")


def test_context_is_an_input_not_a_clock() -> None:
    officer = township(
        "a", SUIAN, past_posts=(Post("旧镇镇", ZHANGPU, JIUZHEN, end=date(2021, 1, 1)),)
    )
    assert reasons(officer, ctx=Context(date(2023, 12, 31), 0)) == [Reason.SERVED_WITHIN_N_YEARS]
    assert reasons(officer, ctx=Context(date(2024, 1, 2), 0)) == []


def test_same_town_twice() -> None:
    a, b, c = (Problem(pid, town, Category.OTHER)
               for pid, town in (("A", JIUZHEN), ("B", JIUZHEN), ("C", SUIAN)))

    def team(pid: str, *officers: str) -> Team:
        return Team(pid, tuple(Member(Role.MEMBER, o, CostBreakdown(0, 0, 0, 0, 0)) for o in officers))

    assert same_town_twice([team("A", "x", "y"), team("B", "y", "z")], [a, b, c])
    assert not same_town_twice([team("A", "x", "y"), team("C", "y", "z")], [a, b, c])
    assert not same_town_twice([team("A", "x", "y"), team("B", "z", "w")], [a, b, c])
