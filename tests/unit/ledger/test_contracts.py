"""From a command's journal entries to the contract events other services consume: each status
change attributed to the event that caused it, with its actor, reason and details."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.ledger.adapters.journal import PROBLEM, JournalItem, entries_for
from services.ledger.adapters.records import ComplaintLinked
from services.ledger.domain.enums import Disposal, ProblemStatus, RaterKind
from services.ledger.domain.escalation import EscalationPolicy, escalate
from services.ledger.domain.evidence import Recovery
from services.ledger.domain.problem import Problem
from services.ledger.service_layer.contracts import problem_contracts
from services.ledger.service_layer.projection import ProblemMeta
from shared.events.catalog import (
    Payload,
    Place,
    ProblemEscalated,
    ProblemOpened,
    ProblemReportAttached,
    ProblemStatusChanged,
)

from .factories import CAL, POLICY, SCORE, Walk, at, problem_in, register

PLACE = Place(village_code="350623101226", village_name="狮头村委会", town_code="350623101",
              town_name="旧镇镇", county_code="350623", county_name="漳浦县")
META = ProblemMeta(problem_key="pk-1", place=PLACE, report_count=1)


def contracts(before: Problem | None, after: Problem, *extra: JournalItem,
              details: dict[str, Any] | None = None) -> list[Payload]:
    items: list[JournalItem] = [*extra, *after.new_events]
    entries = entries_for(PROBLEM, after.problem_id, 0, items, "cmd", "x")
    out = [payload for _, payload in problem_contracts(before, after, entries, META, ["c-1"],
                                                       details)]
    after.new_events.clear()
    return out


def test_a_registration_opens_with_its_complaints() -> None:
    p = register(now=at(2025, 3, 3))
    [opened] = contracts(None, p)
    assert isinstance(opened, ProblemOpened)
    assert (opened.problem_key, opened.complaint_ids, opened.place.village_name) == (
        "pk-1", ["c-1"], "狮头村委会")


def test_each_status_change_names_its_own_event_and_assign_carries_the_team() -> None:
    p, walk = problem_in(ProblemStatus.REGISTERED)
    p.new_events.clear()
    before = copy.deepcopy(p)
    walk.assign()
    [assigned] = contracts(before, p, details={"assignment_id": "as-1"})
    assert isinstance(assigned, ProblemStatusChanged)
    assert (assigned.from_status, assigned.to_status, assigned.action, assigned.actor) == (
        "registered", "assigned", "assign", "town-commission")
    assert assigned.details["assignment_id"] == "as-1"
    assert assigned.details["unit"]["name"] == "狮头村村委会"


def test_a_dissatisfied_reporter_sends_a_closed_problem_back_by_the_scorecard() -> None:
    p, _ = problem_in(ProblemStatus.CLOSED)
    p.new_events.clear()
    before = copy.deepcopy(p)
    p.rate(rating_id="r-1", rater_kind=RaterKind.REPORTER, rater_id="rep-ref-1", score=1,
           resolved=False, actor="reporter", now=at(2024, 4, 1), scorecard=SCORE, policy=POLICY)
    [reopened] = contracts(before, p)
    assert isinstance(reopened, ProblemStatusChanged)
    assert (reopened.from_status, reopened.to_status, reopened.action, reopened.actor) == (
        "closed", "rectifying", "reopen", "system:scorecard")
    assert reopened.details == {"cause": "rating", "rating_id": "r-1", "rework_count": 1}


def test_closing_a_concluded_item_says_how_it_was_disposed() -> None:
    p = register(now=at(2025, 3, 3), named=False)
    w = Walk(p, at(2025, 3, 3))
    p.dispose(disposal=Disposal.CONCLUDED, actor="county", now=w.now(), note="不属实，予以了结")
    w.add_evidence()
    w.review(verified=Recovery())  # a conclusion recovers nothing
    p.new_events.clear()
    before = copy.deepcopy(p)
    w.close()
    [closed] = contracts(before, p)
    assert isinstance(closed, ProblemStatusChanged) and closed.details == {"disposal": "concluded"}


def test_escalations_and_attached_reports_have_their_own_events() -> None:
    p, _ = problem_in(ProblemStatus.ASSIGNED, start=at(2025, 1, 20, 8), named=False)
    p.new_events.clear()
    before = copy.deepcopy(p)
    escalate(p, policy=EscalationPolicy(), cal=CAL, actor="system:sweep", now=at(2025, 3, 10))
    linked = ComplaintLinked(problem_id=p.problem_id, complaint_id="c-2", reporter_ref="r-2",
                             channel="online", actor="intake", at=at(2025, 3, 10))
    attached, escalated = contracts(before, p, linked)
    assert isinstance(attached, ProblemReportAttached) and attached.complaint_id == "c-2"
    assert isinstance(escalated, ProblemEscalated)
    assert (escalated.tier, escalated.reason, escalated.to_level, escalated.county_code) == (
        1, "overdue", "county", "350623")


def test_a_state_the_events_do_not_reproduce_is_refused() -> None:
    p, walk = problem_in(ProblemStatus.REGISTERED)
    p.new_events.clear()
    before = copy.deepcopy(p)
    walk.assign()
    p.tags.append("set behind the fold's back")
    with pytest.raises(AssertionError, match="does not give its state"):
        contracts(before, p)
