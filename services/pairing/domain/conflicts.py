"""Conflict-of-interest rules (回避规则), each with a reason code.

An officer is excluded from a problem for every reason below that applies:

  SAME_TOWN              the officer's current post is in the problem's town (本镇).
  NATIVE_TOWN            the officer's native village (籍贯) is in the problem's town.
  NATIVE_VILLAGE         the officer's native village is the problem's village.
  SERVED_WITHIN_N_YEARS  a past post in the problem's town ended less than N years ago
                         (policy.served_years; a post without an end date counts as current).
                         County-level past posts name no town and block nothing here.
  DECLARED_RELATION_SUBJECT  a declared relation to the person or unit complained about.
  DECLARED_RELATION_PLACE    a declared relation to the problem's village, town or county.
  DECLARED_RELATION_CASE     a recusal declared on this very case (主动回避).
  RECENT_SAME_TOWN       assigned to the problem's town within the last M rounds
                         (0 <= current round - past round <= policy.recent_rounds).
  ESCALATED_LEVEL        提级: the problem is about a township commission's own leader or
                         staff, so only county-level officers (内设机构, 派驻组) may handle it;
                         with policy.escalated_same_county (the default) only those of the
                         county directly above the town, since that commission is "the level
                         above". A township officer of the same county is thus never on it.
  UNAVAILABLE            the officer is on leave or seconded.
  NO_CAPACITY            the officer's open cases already fill their capacity.

Most rules compare a place or person key of the officer with one of the problem's keys, so the
rules are written once as "blocks" (key, reason) per officer and "keys" per problem. The scalar
`exclusions` below and the vectorised eligibility in compiled.py both use these two functions;
audit.py re-derives everything from raw fields on a separate code path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from .model import Context, Level, Officer, PastAssignment, Problem, TargetKind
from .policy import Policy
from .result import Team


class Reason(StrEnum):
    """Exclusion reasons (回避事由)."""

    SAME_TOWN = "same_town"  # 本镇任职
    NATIVE_TOWN = "native_town"  # 籍贯在本镇
    NATIVE_VILLAGE = "native_village"  # 籍贯在本村
    SERVED_WITHIN_N_YEARS = "served_within_n_years"  # N年内在本镇任职
    DECLARED_RELATION_SUBJECT = "declared_relation_subject"  # 与被反映人有申报关系
    DECLARED_RELATION_PLACE = "declared_relation_place"  # 与问题所在地有申报关系
    DECLARED_RELATION_CASE = "declared_relation_case"  # 对本案申报回避
    RECENT_SAME_TOWN = "recent_same_town"  # 近M轮派往本镇
    ESCALATED_LEVEL = "escalated_level"  # 提级办理: 仅限上级
    UNAVAILABLE = "unavailable"  # 不在岗
    NO_CAPACITY = "no_capacity"  # 承办已满


REASON_ORDER: dict[Reason, int] = {r: i for i, r in enumerate(Reason)}


def years_before(day: date, years: int) -> date:
    """The first day still "within `years` years" of `day`: a post that ended on or after it
    counts. 29 February maps to 1 March in a year without it (so ending on the 28th is out)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 3, 1)


def place_key(code: str) -> str | None:
    """Key of a place code by its length: village, town or county."""
    if len(code) == 12:
        return "V:" + code
    if len(code) == 9:
        return "T:" + code
    if len(code) == 6:
        return "C:" + code
    return None


def problem_keys(problem: Problem) -> list[str]:
    keys = ["T:" + problem.town_code, "C:" + problem.county_code, "P:" + problem.id]
    if problem.village_code:
        keys.append("V:" + problem.village_code)
    if problem.subject_id:
        keys.append("S:" + problem.subject_id)
    return keys


def officer_blocks(
    officer: Officer,
    policy: Policy,
    context: Context,
    own_history: Iterable[PastAssignment] = (),
) -> list[tuple[str, Reason]]:
    """(key, reason) pairs: the officer is excluded from every problem having the key."""
    blocks: list[tuple[str, Reason]] = []
    if officer.post.town_code:
        blocks.append(("T:" + officer.post.town_code, Reason.SAME_TOWN))
    if officer.native_village:
        blocks.append(("T:" + officer.native_village[:9], Reason.NATIVE_TOWN))
        blocks.append(("V:" + officer.native_village, Reason.NATIVE_VILLAGE))
    cutoff = years_before(context.as_of, policy.served_years)
    for post in officer.past_posts:
        if post.town_code and (post.end is None or post.end >= cutoff):
            blocks.append(("T:" + post.town_code, Reason.SERVED_WITHIN_N_YEARS))
    for rel in officer.relations:
        if rel.target_kind is TargetKind.PERSON:
            blocks.append(("S:" + rel.target, Reason.DECLARED_RELATION_SUBJECT))
        elif rel.target_kind is TargetKind.CASE:
            blocks.append(("P:" + rel.target, Reason.DECLARED_RELATION_CASE))
        else:
            key = place_key(rel.target)
            if key is not None:
                blocks.append((key, Reason.DECLARED_RELATION_PLACE))
    for past in own_history:
        if (
            past.officer_id == officer.id
            and 0 <= context.round - past.round <= policy.recent_rounds
        ):
            blocks.append(("T:" + past.town_code, Reason.RECENT_SAME_TOWN))
    return blocks


def officer_wide_reasons(officer: Officer, open_cases: int) -> list[Reason]:
    reasons = []
    if not officer.available:
        reasons.append(Reason.UNAVAILABLE)
    if officer.capacity - open_cases <= 0:
        reasons.append(Reason.NO_CAPACITY)
    return reasons


def escalation_blocks(officer: Officer, problem: Problem, policy: Policy) -> bool:
    if not problem.escalated:
        return False
    if officer.level is not Level.COUNTY:
        return True
    return policy.escalated_same_county and officer.post.county_code != problem.county_code


def exclusions(
    officer: Officer,
    problem: Problem,
    policy: Policy,
    context: Context,
    history: Iterable[PastAssignment] = (),
    open_cases: int = 0,
) -> list[Reason]:
    """All reasons why `officer` may not be on `problem`'s team (empty list: eligible)."""
    keys = set(problem_keys(problem))
    found = {r for key, r in officer_blocks(officer, policy, context, history) if key in keys}
    found.update(officer_wide_reasons(officer, open_cases))
    if escalation_blocks(officer, problem, policy):
        found.add(Reason.ESCALATED_LEVEL)
    return sorted(found, key=REASON_ORDER.__getitem__)


def same_town_twice(teams: Iterable[Team], problems: Iterable[Problem]) -> bool:
    """Some officer is on two of `teams` whose problems are in one town. Staffed one after the
    other, the later team would have excluded him (RECENT_SAME_TOWN counts the current round);
    one solve over all the problems does not see its own teams as history."""
    town = {p.id: p.town_code for p in problems}
    seen: set[tuple[str, str]] = set()
    for team in teams:
        for officer_id in team.officer_ids():
            key = (officer_id, town[team.problem_id])
            if key in seen:
                return True
            seen.add(key)
    return False
