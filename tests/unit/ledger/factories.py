"""Builders for ledger tests: real places from the official division codes, and problems driven
to any status through the public commands only (never by setting fields)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.ledger.domain.clocks import ClockPolicy
from services.ledger.domain.enums import (
    Category,
    Disposal,
    EvidenceKind,
    ProblemStatus,
    Source,
)
from services.ledger.domain.evidence import Evidence, Recovery, Reviewer
from services.ledger.domain.period import CHINA_TZ
from services.ledger.domain.places import Place
from services.ledger.domain.problem import Problem
from services.ledger.domain.ratings import ScorecardPolicy
from services.ledger.domain.responsibility import (
    Measure,
    RectificationPlan,
    ResponsiblePerson,
    Unit,
)
from services.ledger.domain.workdays import CHINA_CALENDAR

CAL = CHINA_CALENDAR
POLICY = ClockPolicy()
SCORE = ScorecardPolicy()

# Real divisions (data/divisions): 漳浦县 350623, 旧镇镇 350623101, 佛昙镇 350623102;
# 长泰区坂里乡 350605200 with 正达村 / 丹岩村; 诏安县梅岭镇田厝村; 平和县霞寨镇群英村.
SHITOU = Place(county_code="350623", town_code="350623101", village_code="350623101226")  # 狮头村
JIUCHENG = Place(county_code="350623", town_code="350623101", village_code="350623101201")  # 旧城村
CHENGWAI = Place(county_code="350623", town_code="350623101", village_code="350623101202")  # 城外村
HOUDAI = Place(county_code="350623", town_code="350623101", village_code="350623101203")  # 后埭村
JIUZHEN_TOWN = Place(county_code="350623", town_code="350623101")  # 旧镇镇本级
YUANDONG = Place(county_code="350623", town_code="350623102", village_code="350623102201")  # 园东村
SHIMEN = Place(county_code="350623", town_code="350623102", village_code="350623102204")  # 石门村
ZHENGDA = Place(county_code="350605", town_code="350605200", village_code="350605200206")  # 正达村
DANYAN = Place(county_code="350605", town_code="350605200", village_code="350605200205")  # 丹岩村
TIANCUO = Place(county_code="350624", town_code="350624102", village_code="350624102209")  # 田厝村
QUNYING = Place(county_code="350628", town_code="350628107", village_code="350628107201")  # 群英村

NAMES = {
    "350623": "漳浦县", "350623101": "旧镇镇", "350623102": "佛昙镇",
    "350623101226": "狮头村", "350623101201": "旧城村", "350623101202": "城外村",
}

FOTAN_REVIEWER = Reviewer(person_id="officer-fotan-01", town_code="350623102")  # 佛昙镇
JIUZHEN_REVIEWER = Reviewer(person_id="officer-jiuzhen-02", town_code="350623101")  # 旧镇镇
COUNTY_REVIEWER = Reviewer(person_id="officer-county-03")  # 县纪委监委

LEAD = ResponsiblePerson(person_id="cadre-001", name="林某", role="村党支部书记", lead=True)
DEPUTY = ResponsiblePerson(person_id="cadre-002", name="陈某", role="村委会主任")
UNIT = Unit(unit_id="unit-shitou", name="狮头村村委会")


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=CHINA_TZ)


def evidence(n: int = 1, kind: EvidenceKind = EvidenceKind.RECEIPT) -> Evidence:
    return Evidence(evidence_id=f"ev-{n}", kind=kind, sha256=f"{n:064x}",
                    description=f"佐证材料 {n}")


_ids = itertools.count(1)


def new_id() -> str:
    return f"p-{next(_ids):05d}"


def register(
    *, problem_id: str | None = None, place: Place = SHITOU, category: Category = Category.SANZI,
    now: datetime | None = None, source: Source = Source.ONLINE, named: bool = True,
    title: str = "村集体虾池承包合同纠纷", concerns_own_leader: bool = False,
    policy: ClockPolicy = POLICY,
) -> Problem:
    return Problem.register(
        problem_id=problem_id or new_id(), title=title, category=category, source=source,
        place=place, actor="intake:online", now=now or at(2024, 3, 4), policy=policy,
        reporter_ref="rep-ref-1" if named else None, named_reporter=named,
        concerns_own_leader=concerns_own_leader,
    )


def plan_for(problem: Problem, today: date, n: int = 2) -> RectificationPlan:
    """A plan due 10 working days from `today`, well inside any default rectification clock."""
    due = CAL.add_working_days(today, 10)
    measures = tuple(Measure(measure_id=f"m{i}", description=f"措施 {i}",
                             due=CAL.add_working_days(today, 2 * i)) for i in range(1, n + 1))
    return RectificationPlan(measures=measures, due=due)


class Walk:
    """Drives a problem forward one command at a time, an hour apart."""

    def __init__(self, problem: Problem, start: datetime) -> None:
        self.p = problem
        self.t = start

    def now(self) -> datetime:
        self.t += timedelta(hours=1)
        return self.t

    def assign(self) -> Walk:
        self.p.assign(responsible=(LEAD, DEPUTY), unit=UNIT, actor="town-commission",
                      now=self.now(), policy=POLICY)
        return self

    def plan(self) -> Walk:
        now = self.now()
        self.p.set_plan(plan=plan_for(self.p, now.date()), actor="cadre-001", now=now, cal=CAL)
        return self

    def finish_measures(self) -> Walk:
        assert self.p.plan is not None
        for m in self.p.plan.measures:
            if m.measure_id not in self.p.completed_measures:
                self.p.complete_measure(measure_id=m.measure_id, actor="cadre-001",
                                        now=self.now())
        return self

    def add_evidence(self, n: int = 1) -> Walk:
        self.p.add_evidence(evidence=evidence(n), actor="cadre-001", now=self.now())
        return self

    def submit(self, claimed: Recovery | None = None) -> Walk:
        self.finish_measures()
        if not self.p.evidence:
            self.add_evidence()
        self.p.submit_rectification(
            summary="已收回虾池并重新公开发包", actor="cadre-001", now=self.now(),
            claimed=claimed or Recovery(yuan=Decimal("120000.00"), mu=Decimal("35.5"),
                                        contracts=2))
        return self

    def review(self, verified: Recovery | None = None) -> Walk:
        """Reviewed by an officer of another town (佛昙镇, or 旧镇镇 for 佛昙镇's own items)."""
        reviewer = (JIUZHEN_REVIEWER if self.p.place.town_code == FOTAN_REVIEWER.town_code
                    else FOTAN_REVIEWER)
        self.p.pass_review(reviewer=reviewer, actor=reviewer.person_id,
                           now=self.now(),
                           verified=verified or Recovery(yuan=Decimal("100000.00"),
                                                         mu=Decimal("35.5"), contracts=2))
        return self

    def close(self) -> Walk:
        self.p.close(actor="county-commission", now=self.now(), policy=POLICY)
        return self

    def to(self, status: ProblemStatus) -> Problem:
        """Drive to `status` by the usual path."""
        S = ProblemStatus
        path: list[Callable[[], object]] = {
            S.REGISTERED: [],
            S.ASSIGNED: [self.assign],
            S.RECTIFYING: [self.assign, self.plan],
            S.AWAITING_REVIEW: [self.assign, self.plan, self.submit],
            S.REVIEWED: [self.assign, self.plan, self.submit, self.review],
            S.CLOSED: [self.assign, self.plan, self.submit, self.review, self.close],
            S.MERGED: [lambda: self.p.merge_into(into_problem_id="p-original",
                                                 actor="town-commission", now=self.now())],
            S.FILED_PENDING: [lambda: self.p.dispose(disposal=Disposal.FILED_PENDING,
                                                     actor="town-commission", now=self.now(),
                                                     note="线索不具体，暂存")],
        }[status]
        for step in path:
            step()
        assert self.p.status is status
        return self.p


def problem_in(status: ProblemStatus, *, start: datetime | None = None, **kwargs: Any
               ) -> tuple[Problem, Walk]:
    start = start or at(2024, 3, 4)
    walk = Walk(register(now=start, **kwargs), start)
    walk.to(status)
    return walk.p, walk
