"""个案促改 → 类案促改: after each registration, the county's class-of-case rules are checked
for the rule's period; a rule that triggers opens the county's item (or attaches new members to
it). The lifecycle commands (measure adopted, reviewed, closed) run like the problem commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.tables import problems
from services.ledger.domain.class_of_case import (
    AnyClassOfCaseEvent,
    ClassCandidate,
    ClassOfCase,
    ClassOfCaseRule,
    class_case_id,
    detect_class_of_case,
    extend_class_of_case,
)
from services.ledger.domain.enums import Category, ProblemStatus
from services.ledger.domain.period import Period
from services.ledger.domain.places import Place
from services.ledger.domain.problem import Problem
from services.ledger.service_layer import store
from services.ledger.service_layer.context import LedgerContext
from services.ledger.settings import ClassRuleTemplate

DETECTOR = "system:class_of_case"


def period_of(kind: str, day: date) -> Period:
    if kind == "month":
        return Period.month(day.year, day.month)
    if kind == "year":
        return Period.year(day.year)
    return Period.quarter(day.year, (day.month - 1) // 3 + 1)


def rule_for(template: ClassRuleTemplate, county_code: str) -> ClassOfCaseRule:
    return ClassOfCaseRule(
        rule_id=template.rule_id, county_code=county_code, label=template.label,
        category=Category(template.category) if template.category else None,
        keywords=template.keywords, min_villages=template.min_villages,
        min_towns=template.min_towns,
    )


def _matching(rule: ClassOfCaseRule, period: Period) -> sa.ColumnElement[bool]:
    """The rule as a filter: the database returns only the problems the rule matches (the domain
    checks them again; the filter only saves reading the rest of the county)."""
    c = problems.c
    cond = sa.and_(c.county_code == rule.county_code, c.registered_on >= period.start,
                   c.registered_on < period.end, c.status != ProblemStatus.MERGED.value)
    if rule.category is not None:
        cond = sa.and_(cond, c.category == rule.category.value)
    if rule.keywords:
        cond = sa.and_(cond, sa.or_(*(c.title.contains(k, autoescape=True) for k in rule.keywords)))
    return cond


async def _candidates(session: AsyncSession, rule: ClassOfCaseRule, period: Period
                      ) -> list[ClassCandidate]:
    # The columns matching reads, not the whole state: decoding each problem's state made this
    # the ledger's costliest step.
    c = problems.c
    query = sa.select(c.id, c.title, c.category, c.status, c.county_code, c.town_code,
                      c.village_code, c.registered_on).where(_matching(rule, period))
    return [ClassCandidate(problem_id=r.id, title=r.title, category=Category(r.category),
                           status=ProblemStatus(r.status), registered_on=r.registered_on,
                           place=Place(county_code=r.county_code, town_code=r.town_code,
                                       village_code=r.village_code))
            for r in (await session.execute(query)).all()]


async def _extent(session: AsyncSession, rule: ClassOfCaseRule, period: Period) -> tuple[int, int]:
    """How many villages and towns the class covers now, counted by the database."""
    c = problems.c
    row = (await session.execute(
        sa.select(sa.func.count(sa.distinct(c.village_code)), sa.func.count(sa.distinct(c.town_code)))
        .where(_matching(rule, period)))).one()
    return int(row[0]), int(row[1])


async def detect(session: AsyncSession, ctx: LedgerContext, county_code: str, day: date,
                 now: datetime, command_id: str, only_for: Problem | None = None) -> list[str]:
    """Check every rule for the county and the period containing `day`; returns the ids of the
    items opened or extended. `only_for`: the problem just registered, the only change since
    the last check: rules it cannot match are skipped, and an item already open only takes it
    in (no scan of the county's period)."""
    touched = []
    for template in ctx.class_rules:
        rule = rule_for(template, county_code)
        if only_for is not None and not rule.matches(only_for):
            continue
        period = period_of(template.period, day)
        case_id = class_case_id(rule, period)
        # One detector per item at a time: two registrations must not both open it.
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(case_id))))
        existing = await store.load_case(session, case_id)
        if existing is not None and only_for is not None:
            villages, towns = await _extent(session, rule, period)
            found = extend_class_of_case(
                existing.case, only_for, rule=rule, period=period, village_count=villages,
                town_count=towns, actor=DETECTOR, now=now)
        else:
            found = detect_class_of_case(
                await _candidates(session, rule, period), rule=rule, period=period,
                existing=existing.case if existing else None, actor=DETECTOR, now=now)
        if found is None:
            continue
        loaded = existing or store.LoadedCase(case=found, journal_seq=0, before=None,
                                              opened_at=None)
        action = "attach_members" if existing else "open"
        await store.commit_case(session, loaded, command_id=command_id, action=action)
        touched.append(case_id)
    return touched


async def run_command(
    session: AsyncSession, case_id: str, action: str, command_id: str,
    command: Callable[[ClassOfCase], list[AnyClassOfCaseEvent]],
) -> ClassOfCase:
    loaded = await store.require_case(session, case_id)
    command(loaded.case)
    await store.commit_case(session, loaded, command_id=command_id, action=action)
    return loaded.case
