"""Replay: state is a pure fold over events. A recorded JSONL stream, decoded and folded into
fresh aggregates, gives the live state again, byte for byte (same content hash)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ledger.domain.class_of_case import (
    ClassOfCase,
    ClassOfCaseRule,
    apply_class,
    detect_class_of_case,
)
from services.ledger.domain.enums import (
    Category,
    ClockKind,
    DisciplineMeasure,
    Disposal,
    ProblemStatus,
    RaterKind,
    Source,
)
from services.ledger.domain.errors import LedgerError
from services.ledger.domain.escalation import EscalationPolicy, escalate
from services.ledger.domain.period import Period
from services.ledger.domain.problem import Problem, apply, fold
from services.ledger.domain.responsibility import DisciplinedPerson
from services.ledger.domain.serialization import (
    LedgerEvent,
    canonical_state,
    decode_event,
    encode_event,
    event_from_dict,
    event_key,
    event_to_dict,
    problem_from_state,
    state_dict,
    state_hash,
)

from .factories import (
    CAL,
    CHENGWAI,
    FOTAN_REVIEWER,
    JIUCHENG,
    JIUZHEN_REVIEWER,
    POLICY,
    SCORE,
    SHITOU,
    YUANDONG,
    Walk,
    at,
    evidence,
    problem_in,
    register,
)

S = ProblemStatus


def _busy_ledger() -> tuple[list[Problem | ClassOfCase], list[LedgerEvent]]:
    """Problems through every kind of event, plus one class-of-case item."""
    closed, w = problem_in(S.CLOSED, start=at(2025, 1, 20, 8), place=SHITOU)
    closed.rate(rating_id="r1", rater_kind=RaterKind.REPORTER, rater_id="rep-ref-1", score=1,
                resolved=False, actor="intake", now=w.now(), scorecard=SCORE, policy=POLICY)
    closed.appeal_rating(rating_id="r1", reason="与职责无关", actor="unit", now=w.now(),
                         scorecard=SCORE)
    closed.decide_appeal(rating_id="r1", upheld=False, actor="county", now=w.now())
    w.submit().review().close()
    closed.record_discipline(people=(DisciplinedPerson(
        person_id="cadre-001", measure=DisciplineMeasure.PARTY_DISCIPLINE),), actor="county",
        now=w.now())
    paused, _ = problem_in(S.RECTIFYING, start=at(2025, 1, 20, 8), place=JIUCHENG,
                            source=Source.PETITION)
    paused.pause_clock(kind=ClockKind.RECTIFICATION, reason="等待鉴定", approver="leader",
                       actor="officer", now=at(2025, 2, 10), cal=CAL)
    paused.resume_clock(kind=ClockKind.RECTIFICATION, actor="officer", now=at(2025, 2, 17))
    paused.extend_clock(kind=ClockKind.PETITION_CLOSE, days=30, reason="复杂", approver="leader",
                        actor="officer", now=at(2025, 3, 1), cal=CAL)
    paused.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="已告知", actor="notify",
                      now=at(2025, 2, 18))
    paused.tag(tag="theme:2025q1", actor="county", now=at(2025, 2, 18))
    escalate(paused, policy=EscalationPolicy(), cal=CAL, actor="system", now=at(2025, 5, 6))
    merged, _ = problem_in(S.MERGED, start=at(2025, 1, 21, 8), place=CHENGWAI)
    up = register(now=at(2025, 1, 22), place=YUANDONG, concerns_own_leader=True)
    Walk(up, at(2025, 1, 22, 12)).assign()
    pending = register(now=at(2025, 1, 23), place=YUANDONG, named=False)
    pending.attach_report(reporter_ref="rep-ref-7", named=False, actor="intake",
                          now=at(2025, 1, 23, 15))
    pending.dispose(disposal=Disposal.FILED_PENDING, actor="town", now=at(2025, 1, 24))
    problems = [closed, paused, merged, up, pending]
    rule = ClassOfCaseRule(rule_id="sanzi", county_code="350623", label="三资合同",
                           category=Category.SANZI, min_villages=3)
    case = detect_class_of_case(problems, rule=rule, period=Period.quarter(2025, 1),
                                existing=None, actor="county", now=at(2025, 3, 31))
    assert case is not None
    case.adopt_measure(title="村级小微权力清单", document_ref="doc-ref-9", actor="county",
                       now=at(2025, 4, 7))
    events: list[LedgerEvent] = [e for p in problems for e in p.new_events]
    events += case.new_events
    events.sort(key=lambda e: e.at)  # one interleaved stream, as a topic would deliver it
    return [*problems, case], events


def test_rebuild_from_a_recorded_jsonl_stream_equals_live_state() -> None:
    live, events = _busy_ledger()
    jsonl = "\n".join(encode_event(e).decode() for e in events) + "\n"
    # the recording is plain JSON: typed, versioned, money as exact strings
    lines = [json.loads(line) for line in jsonl.splitlines()]
    assert all(line["type"].startswith("ledger.") and line["type"].endswith(".v1")
               for line in lines)
    assert any(line.get("verified", {}).get("yuan") == "100000.00" for line in lines)

    fresh: dict[str, Problem] = {}
    classes: dict[str, ClassOfCase] = {}
    for line in jsonl.splitlines():
        event = decode_event(line)
        key = event_key(event)
        if key.startswith("class:"):
            classes[key] = apply_class(classes.get(key), event)  # type: ignore[arg-type]
        else:
            fresh[key] = apply(fresh.get(key), event)  # type: ignore[arg-type]
    rebuilt = [*fresh.values(), *classes.values()]
    assert state_hash(rebuilt) == state_hash(live)
    for agg in live:
        if isinstance(agg, Problem):
            assert fresh[agg.problem_id] == agg
            assert canonical_state(fresh[agg.problem_id]) == canonical_state(agg)


def test_state_hash_ignores_order_but_not_content() -> None:
    live, events = _busy_ledger()
    assert state_hash(live) == state_hash(list(reversed(live)))
    by_key: dict[str, list[LedgerEvent]] = defaultdict(list)
    for e in events:
        by_key[event_key(e)].append(e)
    first = live[0]
    assert isinstance(first, Problem)
    short = fold(by_key[first.problem_id][:-1])  # type: ignore[arg-type]
    assert state_hash([short, *live[1:]]) != state_hash(live)


def test_event_dicts_round_trip() -> None:
    _, events = _busy_ledger()
    for e in events:
        d = event_to_dict(e)
        json.dumps(d)  # JSON-safe as is
        assert event_from_dict(d) == e


def test_fold_refuses_streams_that_do_not_start_with_registration() -> None:
    p, _ = problem_in(S.ASSIGNED)
    try:
        fold(p.new_events[1:])
    except LedgerError as err:
        assert err.code == "not_registered"
    else:  # pragma: no cover
        raise AssertionError("expected a refusal")
    other = register()
    try:
        apply(other, p.new_events[1])
    except LedgerError as err:
        assert err.code == "wrong_problem"
    else:  # pragma: no cover
        raise AssertionError("expected a refusal")


# --- property: whatever commands are tried, in whatever order, fold(events) == state ---------

COMMANDS = ["assign", "plan", "m1", "m2", "evidence", "submit", "review", "review_same_town",
            "return", "close", "reopen", "merge", "transfer", "dispose_pending", "dispose_talk",
            "dispose_concluded", "rate_bad", "rate_good", "rate_dept", "appeal", "decide",
            "pause", "resume", "extend", "stop_notice", "escalate", "tag", "discipline",
            "duplicate", "report"]


def _try(p: Problem, w: Walk, cmd: str, n: int) -> None:
    now = w.now()
    calls = {
        "assign": w.assign,
        "plan": w.plan,
        "m1": lambda: p.complete_measure(measure_id="m1", actor="c", now=now),
        "m2": lambda: p.complete_measure(measure_id="m2", actor="c", now=now),
        "evidence": lambda: p.add_evidence(evidence=evidence(n), actor="c", now=now),
        "submit": lambda: p.submit_rectification(summary="s", actor="c", now=now,
                                                 claimed=p.claimed),
        "review": lambda: p.pass_review(reviewer=FOTAN_REVIEWER, actor="r", now=now),
        "review_same_town": lambda: p.pass_review(reviewer=JIUZHEN_REVIEWER, actor="r", now=now),
        "return": lambda: p.return_for_rework(reason="r", actor="r", now=now, policy=POLICY),
        "close": lambda: p.close(actor="c", now=now, policy=POLICY),
        "reopen": lambda: p.reopen(reason="r", actor="c", now=now, policy=POLICY),
        "merge": lambda: p.merge_into(into_problem_id="p-x", actor="t", now=now),
        "transfer": lambda: p.transfer_up(reason="r", actor="t", now=now),
        "dispose_pending": lambda: p.dispose(disposal=Disposal.FILED_PENDING, actor="t",
                                             now=now),
        "dispose_talk": lambda: p.dispose(disposal=Disposal.TALK_OR_LETTER, actor="t", now=now),
        "dispose_concluded": lambda: p.dispose(disposal=Disposal.CONCLUDED, actor="t", now=now,
                                               note="了结"),
        "rate_bad": lambda: p.rate(rating_id=f"r{n}", rater_kind=RaterKind.REPORTER,
                                   rater_id="rep-ref-1", score=1, resolved=False, actor="i",
                                   now=now, scorecard=SCORE, policy=POLICY),
        "rate_good": lambda: p.rate(rating_id=f"r{n}", rater_kind=RaterKind.REPORTER,
                                    rater_id="rep-ref-1", score=5, resolved=True, actor="i",
                                    now=now, scorecard=SCORE, policy=POLICY),
        "rate_dept": lambda: p.rate(rating_id=f"r{n}", rater_kind=RaterKind.DEPARTMENT,
                                    rater_id="d", score=2, resolved=True, actor="d", now=now,
                                    scorecard=SCORE, policy=POLICY),
        "appeal": lambda: p.appeal_rating(rating_id=p.ratings[-1].rating.rating_id if p.ratings
                                          else "none", reason="x", actor="u", now=now,
                                          scorecard=SCORE),
        "decide": lambda: p.decide_appeal(rating_id=p.ratings[-1].rating.rating_id if p.ratings
                                          else "none", upheld=n % 2 == 0, actor="c", now=now),
        "pause": lambda: p.pause_clock(kind=ClockKind.RECTIFICATION, reason="x", approver="l",
                                       actor="o", now=now, cal=CAL),
        "resume": lambda: p.resume_clock(kind=ClockKind.RECTIFICATION, actor="o", now=now),
        "extend": lambda: p.extend_clock(kind=ClockKind.RECTIFICATION, days=3, reason="x",
                                         approver="l", actor="o", now=now, cal=CAL),
        "stop_notice": lambda: p.stop_clock(kind=ClockKind.ACCEPTANCE_NOTICE, reason="x",
                                            actor="n", now=now),
        "escalate": lambda: escalate(p, policy=EscalationPolicy(), cal=CAL, actor="s", now=now),
        "tag": lambda: p.tag(tag=f"t{n % 3}", actor="c", now=now),
        "discipline": lambda: p.record_discipline(people=(DisciplinedPerson(
            person_id="cadre-001", measure=DisciplineMeasure.ADMONISHMENT),), actor="c", now=now),
        "duplicate": lambda: p.attach_duplicate(duplicate_id=f"p-d{n % 2}", actor="t", now=now),
        "report": lambda: p.attach_report(reporter_ref=f"rep-{n % 2}", named=n % 3 == 0,
                                          actor="i", now=now),
    }
    before = canonical_state(p), len(p.new_events)
    try:
        calls[cmd]()
    except LedgerError:
        # a refused command is atomic: nothing recorded, nothing changed
        assert (canonical_state(p), len(p.new_events)) == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=40))
def test_any_command_sequence_folds_back_to_the_same_state(commands: list[str]) -> None:
    start = at(2024, 3, 4, 8)
    p = register(now=start)
    w = Walk(p, start)
    for n, cmd in enumerate(commands):
        w.t += timedelta(days=1)
        _try(p, w, cmd, n)
    assert p.version == len(p.new_events)
    assert fold(p.new_events) == p
    assert fold(decode_event(encode_event(e)) for e in p.new_events) == p  # type: ignore[misc]
    # the ledger stores each problem's state as JSON and loads it back for the next command
    assert problem_from_state(json.loads(json.dumps(state_dict(p)))) == p
    reworks = sum(1 for t in p.transitions() if t.is_rework())
    assert p.rework_count == reworks
    assert p.status in ProblemStatus
    if p.status is S.CLOSED:
        assert p.evidence and p.reviewer is not None
        assert p.reviewer.town_code != p.place.town_code
    assert all(r.yuan >= Decimal(0) for r in (e.recovery for e in p.recoveries))
