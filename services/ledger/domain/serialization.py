"""Event codec and canonical state, for Kafka payloads, the outbox, and the replay check.

`encode_event` / `decode_event` round-trip every ledger event through JSON (dates as ISO
strings, Decimals as strings, enums as their values). `canonical_state` serialises an
aggregate the same way every time (sorted keys, no whitespace), and `state_hash` digests a
whole set of aggregates independently of their order, so a rebuild from offset 0 into a fresh
database can be compared with the live state by one hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .class_of_case import AnyClassOfCaseEvent, ClassOfCase, ClassOfCaseEvent
from .events import AnyProblemEvent
from .problem import Problem

LedgerEvent = AnyProblemEvent | AnyClassOfCaseEvent

_EVENTS: TypeAdapter[LedgerEvent] = TypeAdapter(
    Annotated[LedgerEvent, Field(discriminator="type")]
)
_PROBLEM: TypeAdapter[Problem] = TypeAdapter(Problem)
_CLASS: TypeAdapter[ClassOfCase] = TypeAdapter(ClassOfCase)
_TRANSIENT = {"new_events"}


def event_to_dict(event: LedgerEvent) -> dict[str, Any]:
    """JSON-ready dict; its "type" names the versioned event type (CloudEvents `ce_type`)."""
    out: dict[str, Any] = _EVENTS.dump_python(event, mode="json")
    return out


def event_from_dict(data: dict[str, Any]) -> LedgerEvent:
    return _EVENTS.validate_python(data)


def encode_event(event: LedgerEvent) -> bytes:
    return _EVENTS.dump_json(event)


def decode_event(raw: bytes | str) -> LedgerEvent:
    return _EVENTS.validate_json(raw)


def aggregate_id(aggregate: Problem | ClassOfCase) -> str:
    return aggregate.problem_id if isinstance(aggregate, Problem) else aggregate.case_id


def event_key(event: LedgerEvent) -> str:
    """The Kafka key (aggregate id), so one aggregate's events stay in order."""
    return event.case_id if isinstance(event, ClassOfCaseEvent) else event.problem_id


def state_dict(aggregate: Problem | ClassOfCase) -> dict[str, Any]:
    adapter: TypeAdapter[Any] = _PROBLEM if isinstance(aggregate, Problem) else _CLASS
    out: dict[str, Any] = adapter.dump_python(aggregate, mode="json", exclude=_TRANSIENT)
    return out


def state_json(aggregate: Problem | ClassOfCase) -> bytes:
    """`state_dict` as JSON text in one step (what a bulk load writes)."""
    adapter: TypeAdapter[Any] = _PROBLEM if isinstance(aggregate, Problem) else _CLASS
    return adapter.dump_json(aggregate, exclude=_TRANSIENT)


def problem_from_state(data: dict[str, Any]) -> Problem:
    """The aggregate back from `state_dict` (what the ledger stores per problem)."""
    return _PROBLEM.validate_python(data)


def class_from_state(data: dict[str, Any]) -> ClassOfCase:
    return _CLASS.validate_python(data)


def canonical_state(aggregate: Problem | ClassOfCase) -> bytes:
    return json.dumps(state_dict(aggregate), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def state_digest(aggregate: Problem | ClassOfCase) -> str:
    return hashlib.sha256(canonical_state(aggregate)).hexdigest()


def state_hash(aggregates: Iterable[Problem | ClassOfCase]) -> str:
    """One digest over many aggregates, whatever order they come in."""
    digests = sorted((aggregate_id(a), state_digest(a)) for a in aggregates)
    h = hashlib.sha256()
    for agg_id, digest in digests:
        h.update(f"{agg_id}\t{digest}\n".encode())
    return h.hexdigest()
