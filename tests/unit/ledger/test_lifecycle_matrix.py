"""Every lifecycle command from every status: legal ones land on the expected status, illegal
ones raise IllegalTransition (HTTP 409) with a reason and leave the problem untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.ledger.domain.enums import (
    ClockKind,
    DisciplineMeasure,
    Disposal,
    EscalationReason,
    Level,
    ProblemStatus,
    RaterKind,
)
from services.ledger.domain.errors import IllegalTransition
from services.ledger.domain.problem import Problem, fold
from services.ledger.domain.responsibility import DisciplinedPerson
from services.ledger.domain.serialization import canonical_state

from .factories import CAL, FOTAN_REVIEWER, POLICY, SCORE, Walk, at, evidence, problem_in

S = ProblemStatus
R, A, X, W, V, C, M, F = (S.REGISTERED, S.ASSIGNED, S.RECTIFYING, S.AWAITING_REVIEW,
                          S.REVIEWED, S.CLOSED, S.MERGED, S.FILED_PENDING)

# Written out by hand from the issue, not derived from lifecycle.py: (command, from) -> to.
EXPECTED: dict[str, dict[ProblemStatus, ProblemStatus]] = {
    "assign": {R: A, A: A, X: X},
    "set_plan": {A: X, X: X},
    "complete_measure": {X: X},
    "add_evidence": {R: R, A: A, X: X, W: W, V: V, F: F},
    "submit_rectification": {X: W},
    "pass_review": {W: V},
    "return_for_rework": {W: X, V: X},
    "close": {V: C},
    "reopen": {C: X},
    "merge": {R: M, A: M, X: M, W: M, V: M, F: M},
    "transfer_up": {R: R, A: R, X: R, F: R},
    "dispose": {R: R, A: A, F: R},
    "rate": {W: W, V: V, C: C},
}


def _prepare_submit(p: Problem, w: Walk) -> None:
    w.finish_measures()
    w.add_evidence(7)


PREPARE: dict[str, Callable[[Problem, Walk], None]] = {"submit_rectification": _prepare_submit}


def _act(command: str, p: Problem, w: Walk) -> None:
    now = w.now()
    if command == "assign":
        w.assign()
    elif command == "set_plan":
        w.plan()
    elif command == "complete_measure":
        p.complete_measure(measure_id="m1", actor="cadre-001", now=now)
    elif command == "add_evidence":
        p.add_evidence(evidence=evidence(99), actor="cadre-001", now=now)
    elif command == "submit_rectification":
        p.submit_rectification(summary="整改完成", actor="cadre-001", now=now)
    elif command == "pass_review":
        p.pass_review(reviewer=FOTAN_REVIEWER, actor="officer-fotan-01", now=now)
    elif command == "return_for_rework":
        p.return_for_rework(reason="整改不到位", actor="officer-fotan-01", now=now, policy=POLICY)
    elif command == "close":
        p.close(actor="county-commission", now=now, policy=POLICY)
    elif command == "reopen":
        p.reopen(reason="回访发现问题反弹", actor="county-commission", now=now, policy=POLICY)
    elif command == "merge":
        p.merge_into(into_problem_id="p-original", actor="town-commission", now=now)
    elif command == "transfer_up":
        p.transfer_up(reason="案情复杂，提级办理", actor="town-commission", now=now)
    elif command == "dispose":
        p.dispose(disposal=Disposal.TALK_OR_LETTER, actor="town-commission", now=now)
    elif command == "rate":
        p.rate(rating_id="r-dept", rater_kind=RaterKind.DEPARTMENT, rater_id="dept-agri",
               score=5, resolved=True, actor="dept-agri", now=now, scorecard=SCORE,
               policy=POLICY)
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(command)


CELLS = [(cmd, status) for cmd in EXPECTED for status in ProblemStatus]


@pytest.mark.parametrize(("command", "status"), CELLS,
                         ids=[f"{c}-from-{s}" for c, s in CELLS])
def test_command_from_status(command: str, status: ProblemStatus) -> None:
    p, w = problem_in(status)
    target = EXPECTED[command].get(status)
    if target is None:
        before, events_before = canonical_state(p), len(p.new_events)
        with pytest.raises(IllegalTransition) as err:
            _act(command, p, w)
        assert err.value.code == "illegal_transition"
        assert err.value.status == status.value
        assert command in err.value.reason and status.value in err.value.reason
        assert canonical_state(p) == before
        assert len(p.new_events) == events_before
    else:
        if command in PREPARE:
            PREPARE[command](p, w)
        events_before = len(p.new_events)
        _act(command, p, w)
        assert p.status is target
        assert len(p.new_events) > events_before
        assert all(e.actor and e.at for e in p.new_events[events_before:])
        assert fold(p.new_events) == p


# Commands that do not move the status: refused only on a merged duplicate (and, for
# escalation, on a closed item).
def _side_commands(p: Problem) -> dict[str, Callable[[], object]]:
    now = at(2024, 6, 3)
    return {
        "attach_duplicate": lambda: p.attach_duplicate(duplicate_id="p-dup", actor="a", now=now),
        "attach_report": lambda: p.attach_report(reporter_ref="rep-ref-2", named=True,
                                                 actor="intake", now=now),
        "appeal_rating": lambda: p.appeal_rating(rating_id="r", reason="x", actor="a", now=now,
                                                 scorecard=SCORE),
        "decide_appeal": lambda: p.decide_appeal(rating_id="r", upheld=True, actor="a", now=now),
        "tag": lambda: p.tag(tag="theme:q2", actor="a", now=now),
        "record_discipline": lambda: p.record_discipline(
            people=(DisciplinedPerson(person_id="cadre-001",
                                      measure=DisciplineMeasure.CRITICISM_EDUCATION),),
            actor="a", now=now),
        "start_clock": lambda: p.start_clock(kind=ClockKind.FORWARD, actor="a", now=now,
                                             policy=POLICY),
        "stop_clock": lambda: p.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="已告知",
                                           actor="a", now=now),
        "pause_clock": lambda: p.pause_clock(kind=ClockKind.RECTIFICATION, reason="x",
                                             approver="b", actor="a", now=now, cal=CAL),
        "resume_clock": lambda: p.resume_clock(kind=ClockKind.RECTIFICATION, actor="a", now=now),
        "extend_clock": lambda: p.extend_clock(kind=ClockKind.RECTIFICATION, days=5, reason="x",
                                               approver="b", actor="a", now=now, cal=CAL),
        "escalate": lambda: p.raise_escalation(tier=1, to_level=Level.COUNTY,
                                               to_area_code="350623",
                                               reason=EscalationReason.OVERDUE, actor="a",
                                               now=now),
    }


SIDE = ["attach_duplicate", "attach_report", "appeal_rating", "decide_appeal", "tag", "record_discipline",
        "start_clock", "stop_clock", "pause_clock", "resume_clock", "extend_clock", "escalate"]


@pytest.mark.parametrize("command", SIDE)
def test_side_commands_refused_on_merged(command: str) -> None:
    p, _ = problem_in(S.MERGED)
    with pytest.raises(IllegalTransition):
        _side_commands(p)[command]()


def test_escalation_refused_on_closed() -> None:
    p, _ = problem_in(S.CLOSED)
    with pytest.raises(IllegalTransition):
        _side_commands(p)["escalate"]()


@pytest.mark.parametrize("status", [R, A, X, W, V, C, F])
def test_tag_and_discipline_allowed_until_merged(status: ProblemStatus) -> None:
    p, _ = problem_in(status)
    cmds = _side_commands(p)
    cmds["tag"]()
    cmds["record_discipline"]()
    assert "theme:q2" in p.tags and len(p.discipline) == 1
    assert p.status is status
