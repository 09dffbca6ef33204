"""成绩单: ratings 1-5 with "resolved" apart from "satisfied"; a dissatisfied reporter sends the
problem back automatically; units may appeal a bad rating."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.ledger.domain.enums import ClockKind, ProblemStatus, RaterKind, ReworkCause
from services.ledger.domain.errors import Conflict, Forbidden, Invalid
from services.ledger.domain.events import ProblemReopened, Rated, ReturnedForRework
from services.ledger.domain.period import Period
from services.ledger.domain.problem import SCORECARD_ACTOR, Problem, fold
from services.ledger.domain.ratings import ScorecardPolicy
from services.ledger.domain.scorecard import scorecard

from .factories import POLICY, SCORE, YUANDONG, at, problem_in

S = ProblemStatus


def _rate(p: Problem, now: datetime, score: int, *, kind: RaterKind = RaterKind.REPORTER,
          rater: str = "rep-ref-1", resolved: bool = True, rating_id: str | None = None,
          policy: ScorecardPolicy = SCORE) -> list[object]:
    return list(p.rate(rating_id=rating_id or f"r-{p.problem_id}-{kind}-{p.round}",
                       rater_kind=kind, rater_id=rater, score=score, resolved=resolved,
                       actor="intake:query-code", now=now, scorecard=policy, policy=POLICY))


def test_dissatisfied_reporter_before_closure_returns_it_for_rework() -> None:
    p, w = problem_in(S.REVIEWED)
    events = _rate(p, w.now(), 2)
    assert [type(e) for e in events][:2] == [Rated, ReturnedForRework]
    back = events[1]
    assert isinstance(back, ReturnedForRework)
    assert back.cause is ReworkCause.RATING and back.actor == SCORECARD_ACTOR
    assert back.rating_id == p.ratings[0].rating.rating_id
    assert p.status is S.RECTIFYING and p.rework_count == 1
    assert len(p.clocks[ClockKind.RECTIFICATION]) == 2
    assert fold(p.new_events) == p


def test_dissatisfied_reporter_after_closure_reopens_it() -> None:
    p, w = problem_in(S.CLOSED)
    events = _rate(p, w.now(), 1, resolved=False)
    assert isinstance(events[1], ProblemReopened) and events[1].cause is ReworkCause.RATING
    assert p.status is S.RECTIFYING


@pytest.mark.parametrize("score", [3, 4, 5])
def test_satisfied_or_neutral_reporter_leaves_it_closed(score: int) -> None:
    p, w = problem_in(S.CLOSED)
    assert len(_rate(p, w.now(), score)) == 1
    assert p.status is S.CLOSED and p.rework_count == 0


@pytest.mark.parametrize("kind", [RaterKind.ORGANISATION, RaterKind.DEPARTMENT])
def test_only_the_reporter_triggers_automatic_rework(kind: RaterKind) -> None:
    p, w = problem_in(S.CLOSED)
    _rate(p, w.now(), 1, kind=kind, rater="dept-agri")
    assert p.status is S.CLOSED


def test_the_threshold_is_configurable() -> None:
    strict = ScorecardPolicy(dissatisfied_at_or_below=3, satisfied_at_or_above=5)
    p, w = problem_in(S.CLOSED)
    _rate(p, w.now(), 3, policy=strict)
    assert p.status is S.RECTIFYING
    with pytest.raises(Invalid):
        ScorecardPolicy(dissatisfied_at_or_below=4, satisfied_at_or_above=4)


def test_rating_guards() -> None:
    p, w = problem_in(S.CLOSED)
    with pytest.raises(Forbidden, match="not_the_reporter"):
        _rate(p, w.now(), 5, rater="someone-else")
    with pytest.raises(Invalid, match="bad_score"):
        _rate(p, w.now(), 6)
    _rate(p, w.now(), 5, rating_id="r-1")
    with pytest.raises(Conflict, match="duplicate_rating"):
        _rate(p, w.now(), 4, rating_id="r-1", kind=RaterKind.DEPARTMENT, rater="d")
    with pytest.raises(Conflict, match="already_rated"):
        _rate(p, w.now(), 4, rating_id="r-2")


def test_the_reporter_rates_each_round_again() -> None:
    p, w = problem_in(S.REVIEWED)
    _rate(p, w.now(), 1, rating_id="r-round-1")
    w.submit().review()
    _rate(p, w.now(), 5, rating_id="r-round-2")
    assert [(e.rating.round, e.rating.score) for e in p.ratings] == [(1, 1), (2, 5)]
    w.close()
    assert p.status is S.CLOSED


def test_appeal_of_a_bad_rating() -> None:
    p, w = problem_in(S.CLOSED)
    _rate(p, w.now(), 5, kind=RaterKind.DEPARTMENT, rater="dept", rating_id="good")
    _rate(p, w.now(), 1, rating_id="bad")
    with pytest.raises(Conflict, match="rating_not_appealable"):
        p.appeal_rating(rating_id="good", reason="x", actor="unit", now=w.now(), scorecard=SCORE)
    with pytest.raises(Invalid, match="unknown_rating"):
        p.appeal_rating(rating_id="nope", reason="x", actor="unit", now=w.now(), scorecard=SCORE)
    with pytest.raises(Conflict, match="no_pending_appeal"):
        p.decide_appeal(rating_id="bad", upheld=True, actor="county", now=w.now())
    p.appeal_rating(rating_id="bad", reason="不满意原因与本单位职责无关", actor="unit",
                    now=w.now(), scorecard=SCORE)
    with pytest.raises(Conflict, match="already_appealed"):
        p.appeal_rating(rating_id="bad", reason="x", actor="unit", now=w.now(), scorecard=SCORE)
    p.decide_appeal(rating_id="bad", upheld=True, actor="county", now=w.now())
    assert [e.rating.rating_id for e in p.counted_ratings()] == ["good"]
    assert p.status is S.RECTIFYING  # an upheld appeal does not undo the rework
    with pytest.raises(Conflict, match="no_pending_appeal"):
        p.decide_appeal(rating_id="bad", upheld=False, actor="county", now=w.now())


def test_resolved_and_satisfied_rates_are_reported_separately() -> None:
    answers = [(5, False), (4, False), (5, True), (2, True)]
    problems = []
    for score, resolved in answers:
        p, w = problem_in(S.CLOSED, start=at(2024, 4, 1, 8))
        _rate(p, w.now(), 3, kind=RaterKind.ORGANISATION, rater="town-party-committee",
              rating_id=f"org-{p.problem_id}")
        _rate(p, w.now(), score, resolved=resolved, rating_id=f"rep-{p.problem_id}")
        problems.append(p)
    elsewhere, w = problem_in(S.CLOSED, start=at(2024, 4, 1, 8), place=YUANDONG)
    _rate(elsewhere, w.now(), 1, resolved=False)
    q2 = Period.quarter(2024, 2)
    card = scorecard([*problems, elsewhere], area_code="350623101", period=q2, policy=SCORE)
    rep = card.by_rater[RaterKind.REPORTER]
    assert (rep.rated, rep.resolved, rep.satisfied, rep.dissatisfied) == (4, 2, 3, 1)
    assert (str(rep.resolved_rate), str(rep.satisfied_rate)) == ("50.0", "75.0")
    org = card.by_rater[RaterKind.ORGANISATION]
    assert (org.rated, str(org.satisfied_rate)) == (4, "0.0")
    assert card.by_rater[RaterKind.DEPARTMENT].resolved_rate is None  # nobody rated
    assert card.overall.rated == 8 and card.sent_back == 1
    # the unit's appeal against the 2 is upheld: it no longer counts
    bad = problems[3]
    bad.appeal_rating(rating_id=f"rep-{bad.problem_id}", reason="x", actor="unit",
                      now=at(2024, 4, 2), scorecard=SCORE)
    bad.decide_appeal(rating_id=f"rep-{bad.problem_id}", upheld=True, actor="county",
                      now=at(2024, 4, 3))
    card = scorecard(problems, area_code="350623101", period=q2, policy=SCORE)
    rep = card.by_rater[RaterKind.REPORTER]
    assert (rep.rated, str(rep.resolved_rate), str(rep.satisfied_rate)) == (3, "33.3", "100.0")
    assert card.appeals_upheld == 1
    assert scorecard(problems, area_code="350623101", period=Period.quarter(2024, 3),
                     policy=SCORE).overall.rated == 0


def test_every_reporter_of_a_merged_report_may_rate_once_per_round() -> None:
    p, w = problem_in(S.REVIEWED, named=False)
    with pytest.raises(Forbidden, match="not_the_reporter"):
        _rate(p, w.now(), 5, rater="rep-ref-2")
    p.attach_report(reporter_ref="rep-ref-2", named=True, actor="intake", now=w.now())
    assert p.attach_report(reporter_ref="rep-ref-2", named=True, actor="intake",
                           now=w.now()) == []  # replayed complaint: nothing new
    assert p.reporter_refs == ["rep-ref-2"] and p.named_reporter
    _rate(p, w.now(), 4, rater="rep-ref-2", rating_id="r-2")
    with pytest.raises(Conflict, match="already_rated"):
        _rate(p, w.now(), 1, rater="rep-ref-2", rating_id="r-3")
    w.close()
    assert p.clock(ClockKind.RESULT_NOTICE) is not None  # a named reporter joined: tell them
