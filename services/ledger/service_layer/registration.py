"""登记: a problem goes on the ledger (from a complaint, or found by the commission itself), is
tagged with the themes of its quarter, and the class-of-case rules are checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.records import ComplaintLinked, ProblemIndexed
from services.ledger.domain.enums import Category, Level, Source
from services.ledger.domain.places import Place as DomainPlace
from services.ledger.domain.problem import Problem
from services.ledger.service_layer import class_cases, store, themes
from services.ledger.service_layer.context import LedgerContext
from shared.events.payloads.base import Place


@dataclass(frozen=True)
class NewProblem:
    problem_key: str
    title: str
    category: Category
    source: Source
    place: Place
    actor: str
    now: datetime
    level: Level = Level.TOWN
    reporter_ref: str | None = None
    named_reporter: bool = False
    concerns_own_leader: bool = False
    subject_name: str | None = None
    subject_unit: str | None = None


def domain_place(place: Place) -> DomainPlace:
    return DomainPlace(county_code=place.county_code, town_code=place.town_code,
                       village_code=place.village_code)


async def register(session: AsyncSession, ctx: LedgerContext, new: NewProblem, *,
                   command_id: str, complaint: ComplaintLinked | None = None
                   ) -> store.LoadedProblem:
    problem = Problem.register(
        problem_id=store.problem_id_for(new.problem_key), title=new.title,
        category=new.category, source=new.source, place=domain_place(new.place),
        actor=new.actor, now=new.now, policy=ctx.clocks, level=new.level,
        reporter_ref=new.reporter_ref, named_reporter=new.named_reporter,
        concerns_own_leader=new.concerns_own_leader,
    )
    loaded = store.new_problem(problem)
    loaded.records.append(ProblemIndexed(
        problem_id=problem.problem_id, problem_key=new.problem_key, place=new.place,
        subject_name=new.subject_name, subject_unit=new.subject_unit,
        escalate_up=new.concerns_own_leader, actor=new.actor, at=new.now))
    if complaint is not None:
        loaded.records.append(complaint)
    await themes.tag_new_problem(session, problem, new.now)
    await store.commit_problem(session, loaded, command_id=command_id, action="register")
    await class_cases.detect(session, ctx, problem.place.county_code, problem.registered_on,
                             new.now, command_id, only_for=problem)
    return loaded
