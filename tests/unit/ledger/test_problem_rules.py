"""Rules inside the lifecycle: responsibility, disposal outcomes, merging, 提级, closing against
evidence with an outside reviewer, and the timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.ledger.domain.enums import (
    ClockKind,
    Disposal,
    Level,
    ProblemStatus,
    ReworkCause,
)
from services.ledger.domain.errors import Conflict, Forbidden, Invalid
from services.ledger.domain.events import ProblemTransferredUp
from services.ledger.domain.evidence import Evidence, Recovery, Reviewer
from services.ledger.domain.places import Place
from services.ledger.domain.problem import OWN_LEADER_REASON, fold
from services.ledger.domain.responsibility import (
    Measure,
    RectificationPlan,
    ResponsiblePerson,
)
from services.ledger.domain.timeline import timeline

from .factories import (
    CAL,
    COUNTY_REVIEWER,
    DEPUTY,
    FOTAN_REVIEWER,
    JIUZHEN_REVIEWER,
    LEAD,
    POLICY,
    SHITOU,
    UNIT,
    Walk,
    at,
    evidence,
    problem_in,
    register,
)

S = ProblemStatus


def test_places_must_nest_by_code() -> None:
    with pytest.raises(Invalid):
        Place(county_code="350623", town_code="350624102")  # 梅岭镇 is in 诏安县, not 漳浦县
    with pytest.raises(Invalid):
        Place(county_code="350623", town_code="350623101", village_code="350623102201")
    with pytest.raises(Invalid):
        Place(county_code="35062", town_code="350623101")
    assert Place.of_town("350623101", "350623101226") == SHITOU
    assert SHITOU.within("3506") and SHITOU.within("350623101") and not SHITOU.within("350624")


def test_registration_needs_a_reporter_ref_for_a_named_reporter() -> None:
    with pytest.raises(Invalid):
        register(title="  ")
    p = register(named=False)
    assert p.reporter_refs == [] and p.status is S.REGISTERED and p.level is Level.TOWN


def test_complaint_about_own_leader_goes_straight_to_the_level_above() -> None:
    p = register(concerns_own_leader=True)
    assert p.level is Level.COUNTY and p.status is S.REGISTERED
    moved = [e for e in p.new_events if isinstance(e, ProblemTransferredUp)]
    assert len(moved) == 1 and moved[0].reason == OWN_LEADER_REASON
    assert fold(p.new_events) == p


def test_transfer_up_clears_assignment_and_stops_at_the_top() -> None:
    p, w = problem_in(S.RECTIFYING)
    p.transfer_up(reason="案情复杂", actor="town", now=w.now())
    assert (p.level, p.status, p.responsible, p.plan) == (Level.COUNTY, S.REGISTERED, (), None)
    assert p.running_clock(ClockKind.RECTIFICATION) is None
    p.transfer_up(reason="涉及县管干部", actor="county", now=w.now())
    p.transfer_up(reason="重大复杂", actor="city", now=w.now())
    assert p.level is Level.PROVINCE
    with pytest.raises(Conflict) as err:
        p.transfer_up(reason="x", actor="province", now=w.now())
    assert err.value.code == "no_level_above"
    # the new level assigns afresh, with a new rectification clock
    w.assign()
    assert p.status is S.ASSIGNED and len(p.clocks[ClockKind.RECTIFICATION]) == 2


def test_assignment_rules() -> None:
    p = register()
    now = at(2024, 3, 5)
    with pytest.raises(Invalid, match="missing_responsible"):
        p.assign(responsible=(), unit=UNIT, actor="town", now=now, policy=POLICY)
    with pytest.raises(Invalid, match="duplicate_responsible"):
        p.assign(responsible=(LEAD, LEAD), unit=UNIT, actor="town", now=now, policy=POLICY)
    other_lead = ResponsiblePerson(person_id="cadre-009", name="黄某", role="村委委员", lead=True)
    with pytest.raises(Invalid, match="several_leads"):
        p.assign(responsible=(LEAD, other_lead), unit=UNIT, actor="town", now=now,
                 policy=POLICY)
    p.assign(responsible=(LEAD, DEPUTY), unit=UNIT, actor="town", now=now, policy=POLICY)
    assert p.responsible_ids() == {"cadre-001", "cadre-002"} and p.unit == UNIT
    # re-assignment keeps the running clock rather than granting a fresh one
    p.assign(responsible=(DEPUTY,), unit=UNIT, actor="town", now=at(2024, 3, 20), policy=POLICY)
    assert len(p.clocks[ClockKind.RECTIFICATION]) == 1


def test_plan_must_fit_inside_the_rectification_deadline() -> None:
    p, w = problem_in(S.ASSIGNED, start=at(2025, 1, 20, 8))  # due 2025-03-07
    late = RectificationPlan(measures=(Measure(measure_id="m1", description="x",
                                               due=date(2025, 3, 10)),), due=date(2025, 3, 10))
    with pytest.raises(Conflict, match="plan_beyond_deadline"):
        p.set_plan(plan=late, actor="cadre-001", now=w.now(), cal=CAL)
    past = RectificationPlan(measures=(Measure(measure_id="m1", description="x",
                                               due=date(2025, 1, 2)),), due=date(2025, 1, 3))
    with pytest.raises(Invalid, match="plan_in_past"):
        p.set_plan(plan=past, actor="cadre-001", now=w.now(), cal=CAL)
    with pytest.raises(Invalid, match="measure_after_plan_due"):
        RectificationPlan(measures=(Measure(measure_id="m1", description="x",
                                            due=date(2025, 3, 7)),), due=date(2025, 3, 1))
    on_time = RectificationPlan(measures=(Measure(measure_id="m1", description="x",
                                                  due=date(2025, 3, 7)),), due=date(2025, 3, 7))
    p.set_plan(plan=on_time, actor="cadre-001", now=w.now(), cal=CAL)
    assert p.status is S.RECTIFYING


def test_submission_needs_every_measure_and_evidence() -> None:
    p, w = problem_in(S.RECTIFYING)
    with pytest.raises(Conflict) as err:
        p.submit_rectification(summary="完成", actor="cadre-001", now=w.now())
    assert err.value.code == "measures_incomplete" and "m1" in err.value.reason
    w.finish_measures()
    with pytest.raises(Conflict, match="evidence_required"):
        p.submit_rectification(summary="完成", actor="cadre-001", now=w.now())
    with pytest.raises(Invalid, match="unknown_measure"):
        p.complete_measure(measure_id="m9", actor="cadre-001", now=w.now())
    with pytest.raises(Conflict, match="measure_already_completed"):
        p.complete_measure(measure_id="m1", actor="cadre-001", now=w.now())
    w.add_evidence()
    with pytest.raises(Conflict, match="duplicate_evidence"):
        w.add_evidence()
    p.submit_rectification(summary="完成", actor="cadre-001", now=w.now())
    assert p.status is S.AWAITING_REVIEW and p.round == 1


def test_review_must_come_from_outside_the_problems_town() -> None:
    p, w = problem_in(S.AWAITING_REVIEW)
    with pytest.raises(Forbidden) as err:
        p.pass_review(reviewer=JIUZHEN_REVIEWER, actor=JIUZHEN_REVIEWER.person_id, now=w.now())
    assert err.value.code == "reviewer_same_town"
    responsible_elsewhere = Reviewer(person_id=LEAD.person_id, town_code="350623102")
    with pytest.raises(Forbidden, match="reviewer_is_responsible"):
        p.pass_review(reviewer=responsible_elsewhere, actor=LEAD.person_id, now=w.now())
    assert p.status is S.AWAITING_REVIEW
    p.pass_review(reviewer=COUNTY_REVIEWER, actor=COUNTY_REVIEWER.person_id, now=w.now())
    assert p.status is S.REVIEWED and p.reviewer == COUNTY_REVIEWER


def test_verified_recovery_cannot_exceed_the_claim_and_is_kept_in_decimal() -> None:
    p, w = problem_in(S.AWAITING_REVIEW)  # claimed ¥120,000.00, 35.5 mu, 2 contracts
    with pytest.raises(Conflict, match="verified_exceeds_claimed"):
        w.review(Recovery(yuan=Decimal("120000.01")))
    w.review(Recovery(yuan=Decimal("100000.00"), mu=Decimal("35.5"), contracts=2))
    assert p.recovered() == Recovery(yuan=Decimal("100000.00"), mu=Decimal("35.5"), contracts=2)
    with pytest.raises(Invalid, match="bad_amount"):
        Recovery(yuan=Decimal("1.005"))
    with pytest.raises(Invalid, match="bad_amount"):
        Recovery(mu=Decimal("-1"))


def test_close_requires_evidence_on_the_concluded_path() -> None:
    p = register(named=False)
    w = Walk(p, at(2024, 3, 4))
    with pytest.raises(Invalid, match="missing_note"):
        p.dispose(disposal=Disposal.CONCLUDED, actor="town", now=w.now())
    p.dispose(disposal=Disposal.CONCLUDED, actor="town", now=w.now(),
              note="经核实，反映问题不属实，予以了结")
    assert p.status is S.AWAITING_REVIEW and p.disposal is Disposal.CONCLUDED
    p.pass_review(reviewer=FOTAN_REVIEWER, actor="officer-fotan-01", now=w.now())
    with pytest.raises(Conflict) as err:
        p.close(actor="county", now=w.now(), policy=POLICY)
    assert err.value.code == "evidence_required"
    p.add_evidence(evidence=evidence(3), actor="town", now=w.now())
    p.close(actor="county", now=w.now(), policy=POLICY)
    assert p.status is S.CLOSED
    # reopening a concluded clue with nobody responsible sends it back to registration
    p.reopen(reason="群众提供新线索", actor="county", now=w.now(), policy=POLICY)
    assert p.status is S.REGISTERED and p.rework_count == 1


def test_disposal_outcomes() -> None:
    p = register()
    w = Walk(p, at(2024, 3, 4))
    p.dispose(disposal=Disposal.FILED_PENDING, actor="town", now=w.now())
    assert p.status is S.FILED_PENDING
    with pytest.raises(Conflict, match="disposal_unchanged"):
        p.dispose(disposal=Disposal.FILED_PENDING, actor="town", now=w.now())
    p.dispose(disposal=Disposal.PRELIMINARY_VERIFICATION, actor="town", now=w.now())
    assert p.status is S.REGISTERED and p.disposal is Disposal.PRELIMINARY_VERIFICATION
    w.assign()
    p.dispose(disposal=Disposal.FILED_PENDING, actor="town", now=w.now())
    p.dispose(disposal=Disposal.TALK_OR_LETTER, actor="town", now=w.now())
    assert p.status is S.ASSIGNED  # back to the people already responsible


def test_merge_is_terminal_and_both_sides_are_recorded() -> None:
    original = register(problem_id="p-original")
    dup, w = problem_in(S.ASSIGNED)
    with pytest.raises(Invalid, match="merge_into_self"):
        dup.merge_into(into_problem_id=dup.problem_id, actor="town", now=w.now())
    dup.merge_into(into_problem_id="p-original", actor="town", now=w.now())
    original.attach_duplicate(duplicate_id=dup.problem_id, actor="town", now=w.now())
    assert dup.status is S.MERGED and dup.merged_into == "p-original"
    assert dup.running_clocks() == []
    assert original.duplicates == [dup.problem_id]
    with pytest.raises(Conflict, match="duplicate_already_attached"):
        original.attach_duplicate(duplicate_id=dup.problem_id, actor="town", now=w.now())


def test_reopen_keeps_people_and_plan_and_counts_a_rework() -> None:
    p, w = problem_in(S.CLOSED)
    p.reopen(reason="回访发现虾池又被占用", actor="county", now=w.now(), policy=POLICY)
    assert p.status is S.RECTIFYING and p.rework_count == 1
    assert p.responsible == (LEAD, DEPUTY) and p.plan is not None
    assert p.completed_measures == [] and p.reviewer is None
    waiting, w2 = problem_in(S.AWAITING_REVIEW)
    with pytest.raises(Invalid, match="missing_reason"):
        waiting.return_for_rework(reason=" ", actor="x", now=w2.now(), policy=POLICY)


def test_evidence_hash_is_checked() -> None:
    with pytest.raises(Invalid, match="bad_evidence_hash"):
        Evidence(evidence_id="e", kind=evidence().kind, sha256="XYZ", description="d")


def test_naive_timestamps_are_refused() -> None:
    from datetime import datetime
    with pytest.raises(Invalid, match="naive_datetime"):
        register(now=datetime(2024, 3, 4, 10))


def test_timeline_lists_every_event_with_actor_and_time() -> None:
    p, w = problem_in(S.CLOSED)
    p.reopen(reason="回访发现问题反弹", actor="county", now=w.now(), policy=POLICY,
             cause=ReworkCause.SUPERVISION)
    entries = timeline(p.new_events)
    labels = [e.label for e in entries]
    assert labels[0] == "登记"
    for expected in ("交办", "制定整改方案", "完成整改措施", "上传佐证材料", "提交整改",
                     "检视通过", "销号", "重新打开"):
        assert expected in labels
    order = [labels.index(x) for x in ("交办", "提交整改", "检视通过", "销号", "重新打开")]
    assert order == sorted(order)
    assert all(e.actor and e.at.tzinfo for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    reviewed = entries[labels.index("检视通过")]
    assert reviewed.actor == "officer-fotan-01" and "officer-fotan-01" in reviewed.detail
    assert entries[-1].event_type.startswith("ledger.problem.")
