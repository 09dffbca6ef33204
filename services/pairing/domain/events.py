"""Event fields of the pairing service, named as in shared/events/payloads (the lead wires them).

Consumes ProblemOpened (`problem_from_opened`); emits TeamAssigned per staffed problem
(`team_assigned_fields`) and TeamUnstaffable per problem that no conflict-free team can staff
(`unstaffable_fields`, carrying the certificate so the receiver can check it). The functions
return plain dicts without the fields the service layer owns (assignment_id, at,
replaces_assignment_id), so this package stays free of the event kit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .certificate import Escalation
from .compiled import Compiled
from .explain import pool_summaries
from .model import Category, Problem
from .result import Assignment


def problem_from_opened(payload: Mapping[str, Any]) -> Problem:
    """A ProblemOpened payload as a Problem. The subject is matched against declared person
    relations by its name, or by its unit when no name is given (registry entries use the
    same strings); `escalate_up` is the 提级 flag."""
    place = payload["place"]
    return Problem(
        id=str(payload["problem_id"]),
        town_code=str(place["town_code"]),
        village_code=place.get("village_code"),
        category=Category(payload["category"]),
        subject_id=payload.get("subject_name") or payload.get("subject_unit"),
        escalated=bool(payload.get("escalate_up", False)),
        priority=int(payload.get("priority", 0)),
    )


def team_assigned_fields(assignment: Assignment, comp: Compiled) -> list[dict[str, Any]]:
    """One TeamAssigned body per team; `comp` is the Compiled input the assignment came from."""
    pools = pool_summaries(comp)
    officers = {o.id: o for o in comp.officers}
    out = []
    for team in assignment.teams:
        summary = pools[team.problem_id]
        out.append(
            {
                "problem_id": team.problem_id,
                "members": [
                    {
                        "officer_id": m.officer_id,
                        "role": m.role.value,
                        "town_code": officers[m.officer_id].post.town_code,
                        "county_code": officers[m.officer_id].post.county_code,
                        "unit": officers[m.officer_id].post.unit,
                    }
                    for m in team.members
                ],
                "mode": assignment.mode,
                "seed": assignment.seed,
                "eligible_pool": summary.pool_size,
                "exclusions": summary.exclusions,
            }
        )
    return out


def unstaffable_fields(escalations: tuple[Escalation, ...]) -> list[dict[str, Any]]:
    return [
        {
            "problem_id": e.problem_id,
            "reason": e.certificate.summary,
            "certificate": e.certificate.as_dict(),
        }
        for e in escalations
    ]
