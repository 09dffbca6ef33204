"""Independent audit (复核) of a finished assignment.

Written on purpose without conflicts.py, compiled.py or policy.qualifies: every rule is
re-derived here from the raw registry fields (codes compared by prefix, dates compared as
(year, month, day) tuples, relations matched by target kind), so a bug in the engine's rule
code does not hide itself. Codes returned are the string values of conflicts.Reason, plus the
structural codes below, so the two derivations can be compared in tests.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import Context, Officer, OfficerKind, PairingInput, PastAssignment, Problem
from .policy import Policy
from .result import Team

UNSTAFFED = "unstaffed"
UNKNOWN_OFFICER = "unknown_officer"
UNKNOWN_PROBLEM = "unknown_problem"
WRONG_ROLES = "wrong_roles"
NOT_QUALIFIED = "not_qualified"
DUPLICATE_MEMBER = "duplicate_member"
OVER_CAPACITY = "over_capacity"

_COUNTY_KINDS = (OfficerKind.COUNTY_DEPT, OfficerKind.DISPATCHED_GROUP)
_SPECIALIST_ROLES = ("finance", "engineering", "ecology", "law")


@dataclass(frozen=True, slots=True)
class Violation:
    problem_id: str
    officer_id: str
    code: str


def _town_of_post(village: str | None, town: str | None) -> str:
    return (village or town or "")[:9]


def _within_years(end_ymd: tuple[int, int, int], as_of_ymd: tuple[int, int, int], n: int) -> bool:
    return (end_ymd[0] + n, end_ymd[1], end_ymd[2]) >= as_of_ymd


def conflict_codes(
    officer: Officer,
    problem: Problem,
    policy: Policy,
    context: Context,
    history: Iterable[PastAssignment] = (),
    open_cases: int = 0,
) -> set[str]:
    """Re-derive every conflict code for one (officer, problem) from raw fields."""
    codes: set[str] = set()
    town = problem.town_code
    county = town[:6]
    if _town_of_post(officer.post.village_code, officer.post.town_code) == town:
        codes.add("same_town")
    native = officer.native_village or ""
    if native and native[:9] == town:
        codes.add("native_town")
    if native and problem.village_code is not None and native == problem.village_code:
        codes.add("native_village")
    as_of = (context.as_of.year, context.as_of.month, context.as_of.day)
    for post in officer.past_posts:
        if _town_of_post(post.village_code, post.town_code) != town:
            continue
        if post.end is None or _within_years(
            (post.end.year, post.end.month, post.end.day), as_of, policy.served_years
        ):
            codes.add("served_within_n_years")
    places = {town, county}
    if problem.village_code is not None:
        places.add(problem.village_code)
    for rel in officer.relations:
        kind = rel.target_kind.value
        if kind == "person" and problem.subject_id is not None and rel.target == problem.subject_id:
            codes.add("declared_relation_subject")
        elif kind == "place" and rel.target in places:
            codes.add("declared_relation_place")
        elif kind == "case" and rel.target == problem.id:
            codes.add("declared_relation_case")
    for past in history:
        if past.officer_id != officer.id or past.town_code != town:
            continue
        if past.round <= context.round and context.round - past.round <= policy.recent_rounds:
            codes.add("recent_same_town")
    if problem.escalated:
        upper = officer.kind in _COUNTY_KINDS
        if not upper or (policy.escalated_same_county and officer.post.county_code != county):
            codes.add("escalated_level")
    if not officer.available:
        codes.add("unavailable")
    if open_cases >= officer.capacity:
        codes.add("no_capacity")
    return codes


def role_ok(officer: Officer, role: str) -> bool:
    if role == "lead":
        return officer.kind is not OfficerKind.VILLAGE_SUPERVISOR
    if role in _SPECIALIST_ROLES:
        return any(skill.value == role for skill in officer.skills)
    return True


def audit(teams: Sequence[Team], inp: PairingInput, policy: Policy) -> list[Violation]:
    """Every rule broken by `teams` for the problems of `inp` (empty list: clean)."""
    officers = {o.id: o for o in inp.officers}
    problems = {p.id: p for p in inp.problems}
    open_cases = dict(inp.open_cases)
    by_officer: dict[str, list[PastAssignment]] = defaultdict(list)
    for past in inp.history:
        by_officer[past.officer_id].append(past)
    out: list[Violation] = []
    staffed = set()
    new_cases: Counter[str] = Counter()
    for team in teams:
        problem = problems.get(team.problem_id)
        if problem is None:
            out.append(Violation(team.problem_id, "", UNKNOWN_PROBLEM))
            continue
        staffed.add(problem.id)
        wanted = sorted(r.value for r in policy.templates[problem.category])
        if sorted(m.role.value for m in team.members) != wanted:
            out.append(Violation(problem.id, "", WRONG_ROLES))
        ids = [m.officer_id for m in team.members]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            out.append(Violation(problem.id, dup, DUPLICATE_MEMBER))
        for member in team.members:
            officer = officers.get(member.officer_id)
            if officer is None:
                out.append(Violation(problem.id, member.officer_id, UNKNOWN_OFFICER))
                continue
            new_cases[officer.id] += 1
            if not role_ok(officer, member.role.value):
                out.append(Violation(problem.id, officer.id, NOT_QUALIFIED))
            codes = conflict_codes(
                officer,
                problem,
                policy,
                inp.context,
                by_officer.get(officer.id, ()),
                open_cases.get(officer.id, 0),
            )
            for code in sorted(codes):
                out.append(Violation(problem.id, officer.id, code))
    for pid in sorted(set(problems) - staffed):
        out.append(Violation(pid, "", UNSTAFFED))
    for oid, count in sorted(new_cases.items()):
        officer = officers[oid]
        if open_cases.get(oid, 0) + count > officer.capacity:
            out.append(Violation("", oid, OVER_CAPACITY))
    return out
