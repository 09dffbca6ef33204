"""Canonical serialisation of a pairing input (规范化输入) and its digest.

The digest fixes the inputs of a randomised draw before the published value is known (see
randomised.py): an auditor recomputes it from the recorded registry snapshot, so nobody can
change an input after seeing which seed it would give.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import Officer, PairingInput, Post, Problem
from .policy import Policy
from .result import canonical_dumps


def _post(p: Post) -> dict[str, Any]:
    return {
        "unit": p.unit,
        "county": p.county_code,
        "town": p.town_code,
        "village": p.village_code,
        "start": p.start.isoformat() if p.start else None,
        "end": p.end.isoformat() if p.end else None,
    }


def _officer(o: Officer) -> dict[str, Any]:
    return {
        "id": o.id,
        "name": o.name,
        "kind": o.kind.value,
        "post": _post(o.post),
        "native_village": o.native_village,
        "skills": sorted(s.value for s in o.skills),
        "capacity": o.capacity,
        "available": o.available,
        "past_posts": sorted((_post(p) for p in o.past_posts), key=canonical_dumps),
        "relations": sorted([r.kind.value, r.target_kind.value, r.target] for r in o.relations),
    }


def _problem(p: Problem) -> dict[str, Any]:
    return {
        "id": p.id,
        "town": p.town_code,
        "village": p.village_code,
        "category": p.category.value,
        "subject": p.subject_id,
        "escalated": p.escalated,
        "priority": p.priority,
    }


def policy_dict(policy: Policy) -> dict[str, Any]:
    w = policy.weights
    return {
        "served_years": policy.served_years,
        "recent_rounds": policy.recent_rounds,
        "recency_rounds": policy.recency_rounds,
        "balance_rounds": policy.balance_rounds,
        "escalated_same_county": policy.escalated_same_county,
        "templates": {c.value: [r.value for r in roles] for c, roles in policy.templates.items()},
        "preferred_skill": {
            c.value: (s.value if s else None) for c, s in policy.preferred_skill.items()
        },
        "weights": [w.near, w.mid, w.far, w.mismatch, w.recency, w.load],
        "tiebreak_key": policy.tiebreak_key.hex(),
    }


def canonical_input(inp: PairingInput, policy: Policy, **extra: Any) -> str:
    data = {
        "officers": [_officer(o) for o in sorted(inp.officers, key=lambda o: o.id)],
        "problems": [_problem(p) for p in sorted(inp.problems, key=lambda p: p.id)],
        "history": sorted([h.officer_id, h.problem_id, h.town_code, h.round] for h in inp.history),
        "open_cases": sorted([k, v] for k, v in inp.open_cases),
        "context": [inp.context.as_of.isoformat(), inp.context.round],
        "policy": policy_dict(policy),
        "extra": extra,
    }
    return canonical_dumps(data)


def input_digest(inp: PairingInput, policy: Policy, **extra: Any) -> str:
    return hashlib.sha256(canonical_input(inp, policy, **extra).encode()).hexdigest()
