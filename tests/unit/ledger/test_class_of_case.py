"""类案促改: the same kind of problem in >= N villages or >= M towns opens one county item with
its members and its own lifecycle; detection is idempotent."""

from __future__ import annotations

import pytest

from services.ledger.domain.class_of_case import (
    ClassOfCaseEvent,
    ClassOfCaseMembersAttached,
    ClassOfCaseOpened,
    ClassOfCaseRule,
    class_case_id,
    detect_class_of_case,
    extend_class_of_case,
    fold_class,
)
from services.ledger.domain.enums import Category, ClassOfCaseStatus, ProblemStatus
from services.ledger.domain.errors import IllegalTransition, Invalid
from services.ledger.domain.period import Period
from services.ledger.domain.problem import Problem
from services.ledger.domain.serialization import decode_event, encode_event

from .factories import CHENGWAI, JIUCHENG, SHIMEN, SHITOU, TIANCUO, YUANDONG, at, register

C = ClassOfCaseStatus
Q1 = Period.quarter(2024, 1)
RULE = ClassOfCaseRule(rule_id="sanzi-contracts", county_code="350623",
                       label="村集体资产发包合同不规范", category=Category.SANZI,
                       keywords=("合同",), min_villages=3)


def _p(place: object, day: int = 8, month: int = 1, category: Category = Category.SANZI,
       title: str = "村集体虾池承包合同纠纷") -> Problem:
    return register(now=at(2024, month, day), place=place, category=category,  # type: ignore[arg-type]
                    title=title, named=False)


def test_opens_at_three_villages_once_and_attaches_later_members() -> None:
    two = [_p(SHITOU), _p(JIUCHENG)]
    noise = [_p(CHENGWAI, category=Category.CONDUCT), _p(CHENGWAI, title="村集体鱼塘发包"),
             _p(CHENGWAI, month=4), _p(TIANCUO)]
    now = at(2024, 3, 1)
    assert detect_class_of_case([*two, *noise], rule=RULE, period=Q1, existing=None,
                                actor="county", now=now) is None
    third = _p(CHENGWAI, day=15)
    problems = [*two, *noise, third]
    case = detect_class_of_case(problems, rule=RULE, period=Q1, existing=None, actor="county",
                                now=now)
    assert case is not None and case.status is C.OPENED
    assert case.case_id == class_case_id(RULE, Q1) == "class:350623:sanzi-contracts:2024-01-01"
    assert case.members == sorted(p.problem_id for p in [*two, third])
    assert (case.village_count, case.town_count) == (3, 1)
    assert [type(e) for e in case.new_events] == [ClassOfCaseOpened]
    # the same data again: nothing new
    assert detect_class_of_case(problems, rule=RULE, period=Q1, existing=case, actor="county",
                                now=now) is None
    fourth = _p(YUANDONG, month=3)
    again = detect_class_of_case([*problems, fourth], rule=RULE, period=Q1, existing=case,
                                 actor="county", now=at(2024, 3, 20))
    assert again is case
    assert isinstance(case.new_events[-1], ClassOfCaseMembersAttached)
    assert case.members == sorted(p.problem_id for p in [*two, third, fourth])
    assert (case.village_count, case.town_count) == (4, 2)
    assert fold_class(case.new_events) == case


def test_one_registration_extends_an_open_item_as_a_full_detection_would() -> None:
    """The registration path counts in the database and looks at the new problem only; it must
    record what the full scan records."""
    first = [_p(SHITOU), _p(JIUCHENG), _p(CHENGWAI, day=15)]
    noise = [_p(TIANCUO), _p(CHENGWAI, month=4), _p(CHENGWAI, category=Category.CONDUCT)]

    def opened() -> object:
        case = detect_class_of_case([*first, *noise], rule=RULE, period=Q1, existing=None,
                                    actor="county", now=at(2024, 3, 1))
        assert case is not None
        case.new_events.clear()
        return case

    fourth = _p(YUANDONG, month=3)
    full, quick = opened(), opened()
    detect_class_of_case([*first, *noise, fourth], rule=RULE, period=Q1, existing=full,  # type: ignore[arg-type]
                         actor="county", now=at(2024, 3, 20))
    extend_class_of_case(quick, fourth, rule=RULE, period=Q1, village_count=4, town_count=2,  # type: ignore[arg-type]
                         actor="county", now=at(2024, 3, 20))
    assert quick == full and quick.new_events == full.new_events  # type: ignore[attr-defined]
    # Not a match, outside the period, or a member already: nothing recorded.
    for other in (noise[0], noise[1], fourth):
        assert extend_class_of_case(quick, other, rule=RULE, period=Q1, village_count=4,  # type: ignore[arg-type]
                                    town_count=2, actor="county", now=at(2024, 3, 21)) is None


def test_merged_duplicates_are_not_members() -> None:
    ps = [_p(SHITOU), _p(JIUCHENG), _p(CHENGWAI)]
    ps[2].merge_into(into_problem_id=ps[0].problem_id, actor="town", now=at(2024, 1, 9))
    assert ps[2].status is ProblemStatus.MERGED
    assert detect_class_of_case(ps, rule=RULE, period=Q1, existing=None, actor="c",
                                now=at(2024, 3, 1)) is None


def test_town_threshold() -> None:
    rule = ClassOfCaseRule(rule_id="seals", county_code="350623", label="万能章",
                           keywords=("万能章",), min_towns=2)
    one_town = [_p(SHITOU, title="万能章随意盖"), _p(JIUCHENG, title="万能章随意盖")]
    assert detect_class_of_case(one_town, rule=rule, period=Q1, existing=None, actor="c",
                                now=at(2024, 3, 1)) is None
    two_towns = [*one_town, _p(SHIMEN, title="社区万能章")]
    case = detect_class_of_case(two_towns, rule=rule, period=Q1, existing=None, actor="c",
                                now=at(2024, 3, 1))
    assert case is not None and case.town_count == 2 and len(case.members) == 3


def test_class_of_case_lifecycle() -> None:
    ps = [_p(SHITOU), _p(JIUCHENG), _p(CHENGWAI)]
    case = detect_class_of_case(ps, rule=RULE, period=Q1, existing=None, actor="county",
                                now=at(2024, 3, 1))
    assert case is not None
    for illegal in (lambda: case.close(actor="c", now=at(2024, 3, 2)),
                    lambda: case.review(passed=True, actor="c", now=at(2024, 3, 2))):
        with pytest.raises(IllegalTransition):
            illegal()
    case.adopt_measure(title="专项资金监督管理10项问题清单", document_ref="doc-ref-001",
                       actor="county", now=at(2024, 3, 10))
    assert case.status is C.MEASURE_ADOPTED
    with pytest.raises(Invalid, match="missing_note"):
        case.review(passed=False, actor="city", now=at(2024, 4, 1))
    case.review(passed=False, actor="city", now=at(2024, 4, 1), note="清单未覆盖资金拨付环节")
    assert case.status is C.OPENED and case.reviews_failed == 1
    case.adopt_measure(title="专项资金监督管理10项问题清单（修订）", document_ref="doc-ref-002",
                       actor="county", now=at(2024, 4, 10))
    with pytest.raises(IllegalTransition):
        case.adopt_measure(title="x", document_ref="y", actor="county", now=at(2024, 4, 11))
    case.review(passed=True, actor="city", now=at(2024, 5, 6))
    case.close(actor="county", now=at(2024, 5, 7))
    assert case.status is C.CLOSED and case.measure is not None
    assert case.measure.document_ref == "doc-ref-002"
    with pytest.raises(IllegalTransition):
        case.adopt_measure(title="x", document_ref="y", actor="county", now=at(2024, 5, 8))
    assert fold_class(case.new_events) == case
    decoded = [decode_event(encode_event(e)) for e in case.new_events]
    assert all(isinstance(e, ClassOfCaseEvent) for e in decoded)
    assert fold_class(e for e in decoded if isinstance(e, ClassOfCaseEvent)) == case


def test_rules_are_checked() -> None:
    with pytest.raises(Invalid):
        ClassOfCaseRule(rule_id="r", county_code="350623", label="x", min_villages=3)
    with pytest.raises(Invalid):
        ClassOfCaseRule(rule_id="r", county_code="350623", label="x", keywords=("a",))
    with pytest.raises(Invalid):
        ClassOfCaseRule(rule_id="r", county_code="350623", label="x", keywords=("a",),
                        min_towns=1)
