"""Recusal after assignment (事后回避): same rules, everything recorded."""

from __future__ import annotations

from datetime import datetime

from services.pairing.domain.audit import audit
from services.pairing.domain.conflicts import Reason, exclusions
from services.pairing.domain.instances import Divisions, synthetic_instance
from services.pairing.domain.model import (
    Category,
    PairingInput,
    Problem,
    Relation,
    RelationKind,
    TargetKind,
)
from services.pairing.domain.optimiser import solve_batch
from services.pairing.domain.policy import Policy
from services.pairing.domain.recusal import replace_after_recusal
from services.pairing.domain.result import Assignment

from .conftest import CTX, FOTAN, JIUZHEN, SUIAN, township

POLICY = Policy()
NOW = datetime(2024, 7, 1, 9, 30)


def test_recused_member_is_replaced_under_the_same_rules(zhangzhou: Divisions) -> None:
    inp = synthetic_instance(zhangzhou, 60, 40, seed=21)
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    team = result.teams[3]
    leaving = team.members[1]
    declared = Relation(RelationKind.KIN, TargetKind.PERSON, "cousin:王某")
    new, updated, record = replace_after_recusal(
        result, inp, POLICY, team.problem_id, leaving.officer_id, declared, NOW
    )
    assert new is not None and record.replacement is not None
    assert record.at == NOW and record.declared == declared and record.role is leaving.role
    assert record.pool_size > 0 and record.certificate is None
    new_team = new.team_of(team.problem_id)
    assert new_team.members[0] == team.members[0]
    assert new_team.members[1].officer_id == record.replacement.officer_id != leaving.officer_id
    assert audit(new.teams, updated, POLICY) == []
    problem = next(p for p in inp.problems if p.id == team.problem_id)
    officer = next(o for o in updated.officers if o.id == leaving.officer_id)
    assert declared in officer.relations
    assert Reason.DECLARED_RELATION_CASE in exclusions(officer, problem, POLICY, inp.context)
    untouched = [t for t in new.teams if t.problem_id != team.problem_id]
    assert [t.officer_ids() for t in untouched] == [
        t.officer_ids() for t in result.teams if t.problem_id != team.problem_id
    ]


def test_no_replacement_left_gives_a_certificate() -> None:
    officers = (township("a", SUIAN), township("b", FOTAN))
    inp = PairingInput(
        officers=officers, problems=(Problem("P1", JIUZHEN, Category.SANZI),), context=CTX
    )
    result = solve_batch(inp, POLICY)
    assert isinstance(result, Assignment)
    declared = Relation(RelationKind.INTEREST, TargetKind.PLACE, JIUZHEN)
    new, _updated, record = replace_after_recusal(result, inp, POLICY, "P1", "a", declared, NOW)
    assert new is None and record.replacement is None
    assert record.certificate is not None and record.certificate.bound == 0
