"""Figures by area and period, with year-on-year change that handles zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.ledger.domain.enums import Category, DisciplineMeasure, ProblemStatus, Source
from services.ledger.domain.evidence import Recovery
from services.ledger.domain.figures import change_percent, percent
from services.ledger.domain.period import Period
from services.ledger.domain.responsibility import DisciplinedPerson
from services.ledger.domain.statistics import VisitLog, area_statistics, year_on_year

from .factories import JIUCHENG, POLICY, SHITOU, YUANDONG, at, problem_in

S = ProblemStatus


@pytest.mark.parametrize(("cur", "prev", "want"), [
    (74, 100, Decimal("-26.0")), (2083, 2000, Decimal("4.2")), (0, 0, Decimal("0.0")),
    (5, 0, None), (0, 7, Decimal("-100.0")), (Decimal("5893.9"), Decimal("5893.9"),
                                              Decimal("0.0")),
])
def test_change_percent(cur: int | Decimal, prev: int | Decimal, want: Decimal | None) -> None:
    assert change_percent(cur, prev) == want


def test_percent() -> None:
    assert percent(1, 3) == Decimal("33.3") and percent(2, 3) == Decimal("66.7")
    assert percent(0, 0) is None


def _visit(n: str, place: object, on: date, person_times: int) -> VisitLog:
    return VisitLog(log_id=n, place=place, on=on, person_times=person_times)  # type: ignore[arg-type]


def test_area_statistics_and_year_on_year() -> None:
    dispute, walk = problem_in(S.REVIEWED, start=at(2024, 1, 15, 8), place=SHITOU,
                            category=Category.LIVELIHOOD, title="上下游村用水纠纷")
    walk.close()
    dispute.record_discipline(
        people=(DisciplinedPerson(person_id="cadre-001",
                                  measure=DisciplineMeasure.CRITICISM_EDUCATION),
                DisciplinedPerson(person_id="cadre-002", measure=DisciplineMeasure.ADMONISHMENT)),
        actor="county", now=at(2024, 2, 1))
    found_on_visit, _ = problem_in(S.ASSIGNED, start=at(2024, 2, 6, 8), place=JIUCHENG,
                                   source=Source.HOUSEHOLD_VISIT, named=False)
    reopened, _ = problem_in(S.CLOSED, start=at(2024, 3, 4, 8), place=JIUCHENG)
    reopened.reopen(reason="问题反弹", actor="county", now=at(2024, 3, 20), policy=POLICY)
    last_year, _ = problem_in(S.CLOSED, start=at(2023, 2, 6, 8), place=SHITOU,
                              category=Category.LIVELIHOOD)
    fotan, _ = problem_in(S.CLOSED, start=at(2024, 2, 6, 8), place=YUANDONG)
    visits = [_visit("v1", SHITOU, date(2024, 1, 9), 40), _visit("v2", JIUCHENG,
                                                                 date(2024, 2, 1), 25),
              _visit("v3", SHITOU, date(2024, 3, 5), 35), _visit("v4", SHITOU,
                                                                 date(2023, 1, 10), 30),
              _visit("v5", JIUCHENG, date(2023, 3, 1), 20), _visit("v6", YUANDONG,
                                                                   date(2024, 1, 9), 99)]
    problems = [dispute, found_on_visit, reopened, last_year, fotan]
    q1 = Period.quarter(2024, 1)
    st = area_statistics(problems, visits, area_code="350623101", period=q1)
    assert (st.visit_logs, st.visit_person_times) == (3, 100)
    assert (st.problems_found, st.reports_received) == (3, 2)
    # closed-then-reopened in the quarter is not "solved"
    assert (st.problems_solved, st.disputes_resolved) == (1, 1)
    assert (st.cases_disciplined, st.people_disciplined) == (1, 2)
    # two reviews in the quarter each verified ¥100,000.00 / 35.5 mu / 2 contracts
    assert (st.yuan_recovered, st.mu_recovered, st.contracts_rectified) == (
        Decimal("200000.00"), Decimal("71.0"), 4)
    yoy = year_on_year(problems, visits, area_code="350623101", period=q1)
    assert yoy.previous.problems_found == 1 and yoy.previous.visit_person_times == 50
    assert yoy.change["visit_person_times"] == Decimal("100.0")
    assert yoy.change["problems_found"] == Decimal("200.0")
    assert yoy.change["cases_disciplined"] is None  # from zero: undefined, not infinite
    assert yoy.change["disputes_resolved"] == Decimal("0.0")
    city = area_statistics(problems, visits, area_code="3506", period=q1)
    assert city.visit_logs == 4 and city.problems_found == 4
    assert Recovery(yuan=city.yuan_recovered) == Recovery(yuan=Decimal("300000.00"))

