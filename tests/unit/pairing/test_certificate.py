"""Infeasibility certificates: found, checkable independently, escalated, never partial."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from services.pairing.domain.audit import audit
from services.pairing.domain.certificate import check_certificate
from services.pairing.domain.compiled import Compiled
from services.pairing.domain.events import team_assigned_fields, unstaffable_fields
from services.pairing.domain.model import Category, PairingInput, Problem, Skill
from services.pairing.domain.optimiser import Infeasible, solve_batch, solve_with_escalation
from services.pairing.domain.policy import Policy, Role
from services.pairing.domain.randomised import solve_randomised
from services.pairing.domain.result import Assignment

from .conftest import (
    CTX,
    FOTAN,
    JIUZHEN,
    NANZHAO_VILLAGE,
    SHITOU,
    SUIAN,
    YUNXIAO_YUNLING,
    ZHANGPU,
    ZHAOAN_NANZHAO,
    county_officer,
    township,
)

POLICY = Policy()
GENERAL = frozenset({Skill.CONDUCT})


def finance_shortage() -> PairingInput:
    """Three 三资 cases in 旧镇镇 but only two finance officers with one case each."""
    officers = (
        township("f1", SUIAN, capacity=1),
        township("f2", FOTAN, capacity=1),
        *(township(f"g{i}", t, skills=GENERAL) for i, t in enumerate([SUIAN, FOTAN, SUIAN])),
    )
    problems = tuple(
        Problem(f"P{i}", JIUZHEN, Category.SANZI, village_code=SHITOU, subject_id=f"s{i}")
        for i in range(3)
    )
    return PairingInput(officers=officers, problems=problems, context=CTX)


def test_hall_violation_is_certified_and_checkable() -> None:
    inp = finance_shortage()
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Infeasible)
    (cert,) = result.certificates
    assert cert.bound < cert.need
    assert {s.role for s in cert.slots} >= {Role.FINANCE}
    assert sum(1 for s in cert.slots if s.role is Role.FINANCE) == 3
    assert "finance 财务" in cert.summary
    assert check_certificate(cert, inp, POLICY)
    assert set(result.escalate) == {"P0", "P1", "P2"}


def test_tampered_certificates_fail_the_check() -> None:
    inp = finance_shortage()
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Infeasible)
    (cert,) = result.certificates
    assert not check_certificate(replace(cert, bound=cert.bound - 1), inp, POLICY)
    assert not check_certificate(replace(cert, slots=cert.slots[1:]), inp, POLICY)
    richer = replace(inp, officers=(*inp.officers, township("f3", SUIAN, capacity=1)))
    assert not check_certificate(cert, richer, POLICY)


def test_empty_pool_for_an_escalated_case() -> None:
    """提级: a case about a 南诏镇 commission member needs 诏安县 county officers; none exist."""
    officers = (county_officer("c1", ZHANGPU), township("t1", YUNXIAO_YUNLING))
    problem = Problem(
        "P9", ZHAOAN_NANZHAO, Category.CONDUCT, village_code=NANZHAO_VILLAGE, escalated=True
    )
    inp = PairingInput(officers=officers, problems=(problem,), context=CTX)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Infeasible)
    assert all(c.bound == 0 and c.need == 1 for c in result.certificates)
    assert all(check_certificate(c, inp, POLICY) for c in result.certificates)


def test_one_officer_cannot_fill_both_slots() -> None:
    officers = (township("only", SUIAN, capacity=5),)
    problem = Problem("P1", JIUZHEN, Category.SANZI)
    inp = PairingInput(officers=officers, problems=(problem,), context=CTX)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Infeasible)
    (cert,) = result.certificates
    assert cert.bound == 1 and cert.need == 2
    assert check_certificate(cert, inp, POLICY)


def test_randomised_needs_one_over_q_officers_per_slot() -> None:
    officers = (township("a", SUIAN), township("b", FOTAN), township("c", SUIAN, skills=GENERAL))
    inp = PairingInput(
        officers=officers, problems=(Problem("P1", JIUZHEN, Category.SANZI),), context=CTX
    )
    assert isinstance(solve_batch(inp, POLICY), Assignment)
    result = solve_randomised(inp, Fraction(1, 3), "x", POLICY)
    assert isinstance(result, Infeasible)
    assert all(check_certificate(c, inp, POLICY) for c in result.certificates)
    assert any(c.q == Fraction(1, 3) and c.bound < c.need for c in result.certificates)


def test_escalate_the_certified_problems_and_staff_the_rest() -> None:
    inp = finance_shortage()
    extra = Problem("P7", FOTAN, Category.CONDUCT)
    inp = replace(
        inp, problems=(*inp.problems, extra), officers=(*inp.officers, township("g9", JIUZHEN))
    )
    outcome = solve_with_escalation(inp, POLICY)
    escalated = {e.problem_id for e in outcome.escalations}
    assert escalated == {"P0", "P1", "P2"}
    assert outcome.assignment is not None
    assert [t.problem_id for t in outcome.assignment.teams] == ["P7"]
    rest = replace(inp, problems=(extra,))
    assert audit(outcome.assignment.teams, rest, POLICY) == []
    events = unstaffable_fields(outcome.escalations)
    assert {e["problem_id"] for e in events} == escalated
    assert all(e["certificate"]["need"] == 3 and "finance" in e["reason"] for e in events)
    assigned = team_assigned_fields(outcome.assignment, Compiled(rest, POLICY))
    assert [a["problem_id"] for a in assigned] == ["P7"]
    assert len(assigned[0]["members"]) == 2 and assigned[0]["eligible_pool"] > 0
