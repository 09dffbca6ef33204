"""Stored forms of the engine's inputs and results (快照), and their way back.

A solve is stored as the registry it saw (one record per officer, shared between solves by
digest) and its state (problems, history, open cases, the moment), zlib-compressed canonical
JSON; its result is the domain's own canonical `Assignment.as_dict()`. Decoding gives back the
very `PairingInput` and `Assignment` the engine had, which is what lets an audit re-run it and
compare bytes (see service_layer/audits.py).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

from services.pairing.domain.certificate import Certificate, SlotRef
from services.pairing.domain.model import (
    Category,
    Context,
    Officer,
    OfficerKind,
    PairingInput,
    PastAssignment,
    Post,
    Problem,
    Relation,
    RelationKind,
    Skill,
    TargetKind,
)
from services.pairing.domain.policy import Role
from services.pairing.domain.result import Assignment, CostBreakdown, Member, Team, canonical_dumps

POST_FIELDS = ("unit", "county_code", "town_code", "village_code", "start", "end")


# -- compression ------------------------------------------------------------------------------


def encode(data: Any) -> tuple[bytes, str]:
    """(stored form, sha256 of the canonical JSON)."""
    return stored(canonical_dumps(data).encode("utf-8"))


def stored(text: bytes) -> tuple[bytes, str]:
    """(stored form, sha256) of canonical JSON text. zlib level 1: a year of history compresses
    to a sixth in about a millisecond; level 6 only saves another quarter, at five times the CPU,
    on the consumer's path."""
    return zlib.compress(text, 1), hashlib.sha256(text).hexdigest()


def pack(data: Any) -> bytes:
    return encode(data)[0]


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def digest_of(data: Any) -> str:
    return hashlib.sha256(canonical_dumps(data).encode("utf-8")).hexdigest()


def snapshot_digest(registry_digest: str, state_digest: str, policy: Mapping[str, Any]) -> str:
    """Digest of a stored solve input: its registry, its state and its policy."""
    return digest_of({"registry": registry_digest, "state": state_digest, "policy": policy})


# -- officers ---------------------------------------------------------------------------------


def post_record(post: Mapping[str, Any]) -> dict[str, Any]:
    return {k: post.get(k) for k in POST_FIELDS}


def officer_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The registry fields the engine reads, from a table row (relations without their notes)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "unit": row["unit"],
        "county_code": row["county_code"],
        "town_code": row["town_code"],
        "village_code": row["village_code"],
        "native_village_code": row["native_village_code"],
        "skills": sorted(row["skills"]),
        "capacity": row["capacity"],
        "available": row["available"],
        "past_posts": [post_record(p) for p in row["past_posts"]],
        "relations": [[r["kind"], r["target_kind"], r["target"]] for r in row["relations"]],
    }


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def post_from_record(p: Mapping[str, Any]) -> Post:
    return Post(
        unit=p["unit"], county_code=p["county_code"], town_code=p["town_code"],
        village_code=p["village_code"], start=_day(p["start"]), end=_day(p["end"]),
    )


def officer_from_record(rec: Mapping[str, Any]) -> Officer:
    return Officer(
        id=rec["id"],
        name=rec["name"],
        kind=OfficerKind(rec["kind"]),
        post=Post(rec["unit"], rec["county_code"], rec["town_code"], rec["village_code"]),
        native_village=rec["native_village_code"],
        skills=frozenset(Skill(s) for s in rec["skills"]),
        capacity=rec["capacity"],
        available=rec["available"],
        past_posts=tuple(post_from_record(p) for p in rec["past_posts"]),
        relations=tuple(
            Relation(RelationKind(k), TargetKind(t), target) for k, t, target in rec["relations"]
        ),
    )


def relation_records(relations: Iterable[Relation]) -> list[list[str]]:
    return [[r.kind.value, r.target_kind.value, r.target] for r in relations]


# -- problems and state ------------------------------------------------------------------------


def problem_record(p: Problem) -> dict[str, Any]:
    return {
        "id": p.id, "town_code": p.town_code, "village_code": p.village_code,
        "category": p.category.value, "subject_id": p.subject_id, "escalated": p.escalated,
        "priority": p.priority,
    }


def problem_from_record(rec: Mapping[Any, Any]) -> Problem:
    return Problem(
        id=rec["id"], town_code=rec["town_code"], village_code=rec["village_code"],
        category=Category(rec["category"]), subject_id=rec["subject_id"],
        escalated=rec["escalated"], priority=rec["priority"],
    )


def state_record(inp: PairingInput) -> dict[str, Any]:
    """Everything of an input but the registry."""
    return {
        "problems": [problem_record(p) for p in sorted(inp.problems, key=lambda p: p.id)],
        "history": sorted([h.officer_id, h.problem_id, h.town_code, h.round] for h in inp.history),
        "open_cases": sorted([o, n] for o, n in inp.open_cases),
        "context": [inp.context.as_of.isoformat(), inp.context.round],
    }


def _history_key(h: PastAssignment) -> tuple[str, str, str, int]:
    return (h.officer_id, h.problem_id, h.town_code, h.round)


class StateEncoder:
    """`encode(state_record(inp))`, byte for byte, at a fraction of the cost for a history the
    process has encoded before: each solve stores the whole window's history, of which all but
    the last teams were in the previous solve's state too, so each membership's canonical JSON
    is kept (up to `limit` of them; then the memory starts again)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._text: dict[PastAssignment, str] = {}

    def __call__(self, inp: PairingInput) -> tuple[bytes, str]:
        if len(self._text) > self.limit:
            self._text = {}
        memo = self._text
        parts = []
        for h in sorted(inp.history, key=_history_key):  # the order of state_record's lists
            text = memo.get(h)
            if text is None:
                text = memo[h] = canonical_dumps([h.officer_id, h.problem_id, h.town_code, h.round])
            parts.append(text)
        # sorted keys: "context" comes first and cannot hold this text, so it is the history's
        rest = canonical_dumps(state_record(replace(inp, history=())))
        return stored(rest.replace('"history":[]', '"history":[' + ",".join(parts) + "]", 1).encode())


def input_from_records(registry: Iterable[Mapping[str, Any]], state: Mapping[str, Any]) -> PairingInput:
    as_of, round_index = state["context"]
    return PairingInput(
        officers=tuple(officer_from_record(r) for r in registry),
        problems=tuple(problem_from_record(p) for p in state["problems"]),
        context=Context(as_of=date.fromisoformat(as_of), round=int(round_index)),
        history=tuple(PastAssignment(o, p, t, int(r)) for o, p, t, r in state["history"]),
        open_cases=tuple((o, int(n)) for o, n in state["open_cases"]),
    )


# -- results ----------------------------------------------------------------------------------


def _frac(value: str | None) -> Fraction | None:
    return Fraction(value) if value is not None else None


def member_from_dict(m: Mapping[str, Any]) -> Member:
    """A member as `Assignment.as_dict()` (or a stored assignment row) writes it."""
    cost = CostBreakdown(**{k: int(v) for k, v in m["cost"].items() if k != "real"})
    return Member(Role(m["role"]), m["officer_id"], cost, Fraction(m["probability"]))


def team_from_dict(problem_id: str, members: Iterable[Mapping[str, Any]]) -> Team:
    return Team(problem_id, tuple(member_from_dict(m) for m in members))


def assignment_from_dict(d: Mapping[str, Any]) -> Assignment:
    """The inverse of `Assignment.as_dict()`."""
    teams = tuple(team_from_dict(t["problem_id"], t["members"]) for t in d["teams"])
    return Assignment(
        teams=teams,
        total_cost=int(d["total_cost"]),
        objective=int(d["objective"]),
        mode=d["mode"],
        seed=d["seed"],
        q=_frac(d["q"]),
        expected_cost=_frac(d["expected_cost"]),
        probabilities=tuple((p, o, Fraction(v)) for p, o, v in d["probabilities"]),
    )


def certificate_from_dict(d: Mapping[str, Any]) -> Certificate:
    """The inverse of `Certificate.as_dict()`."""
    return Certificate(
        slots=tuple(SlotRef(p, Role(r), int(i)) for p, r, i in d["slots"]),
        officers=tuple((o, Fraction(v)) for o, v in d["officers"]),
        bound=Fraction(d["bound"]),
        q=Fraction(d["q"]),
        summary=d["summary"],
    )
