"""Staging events in the outbox, inside the caller's transaction.

Nothing here talks to Kafka: the row commits or rolls back with the state change it describes,
and the relay publishes it afterwards. That is the whole point of the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.events.catalog import Payload
from shared.events.envelope import Envelope, encode_json
from shared.outbox.schema import outbox
from shared.tracing import child_of, current_traceparent


def envelope_for(payload: Payload, source: str, event_id: str | None = None) -> Envelope:
    env = Envelope(
        type=payload.TYPE,
        source=source,
        subject=payload.subject(),
        data=payload.model_dump(mode="json"),
        traceparent=child_of(current_traceparent.get()),
    )
    return replace(env, id=event_id) if event_id else env


async def stage(
    session: AsyncSession | AsyncConnection,
    payload: Payload,
    source: str,
    event_id: str | None = None,
) -> Envelope:
    """Add one event to the outbox in the current transaction; returns the envelope staged."""
    env = envelope_for(payload, source, event_id)
    await stage_raw(session, env.type, payload.TOPIC.aggregate, payload.TOPIC.name, env.subject,
                    env.id, env.value(), env.headers())
    return env


async def stage_many(
    session: AsyncSession | AsyncConnection,
    payloads: Sequence[Payload],
    source: str,
    event_ids: Sequence[str | None] | None = None,
) -> list[Envelope]:
    """Several events in one executemany: a consumer that emits many events per batch pays one
    statement, not one per event. `event_ids` (parallel to `payloads`) pins ids where given."""
    envelopes = _envelopes(payloads, source, event_ids)
    await stage_rows(session, [_payload_row(p, env) for p, env in zip(payloads, envelopes, strict=True)])
    return envelopes


def _envelopes(payloads: Sequence[Payload], source: str,
               event_ids: Sequence[str | None] | None) -> list[Envelope]:
    ids = list(event_ids) if event_ids is not None else [None] * len(payloads)
    if len(ids) != len(payloads):
        raise ValueError("event_ids must be parallel to payloads")
    return [envelope_for(p, source, i) for p, i in zip(payloads, ids, strict=True)]


def _payload_row(payload: Payload, env: Envelope) -> dict[str, object]:
    return _row(env.type, payload.TOPIC.aggregate, payload.TOPIC.name, env.subject, env.id, env.value(),
                env.headers())


def _row(
    event_type: str, aggregate_type: str, topic: str, key: str, event_id: str, value: bytes,
    headers: Sequence[tuple[str, bytes]],
) -> dict[str, object]:
    return {
        "event_id": event_id, "event_type": event_type, "aggregate_type": aggregate_type,
        "aggregate_id": key, "topic": topic, "value": value,
        "headers": [[k, v.decode("utf-8", "backslashreplace")] for k, v in headers],
    }


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event already encoded (a journal entry, a parked record): what `stage_raw` takes."""

    event_type: str
    aggregate_type: str
    topic: str
    key: str
    event_id: str
    value: bytes
    headers: Sequence[tuple[str, bytes]]


def raw_rows(events: Sequence[RawEvent]) -> list[dict[str, object]]:
    return [_row(e.event_type, e.aggregate_type, e.topic, e.key, e.event_id, e.value, e.headers)
            for e in events]


def payload_rows(payloads: Sequence[Payload], source: str,
                 event_ids: Sequence[str | None] | None = None) -> list[dict[str, object]]:
    """Outbox rows for contract events, to be inserted with others in one statement."""
    envelopes = _envelopes(payloads, source, event_ids)
    return [_payload_row(p, env) for p, env in zip(payloads, envelopes, strict=True)]


async def stage_rows(session: AsyncSession | AsyncConnection, rows: Sequence[dict[str, object]]) -> None:
    """Rows from `raw_rows` and `payload_rows` together, in one statement."""
    if rows:
        await session.execute(outbox.insert(), list(rows))


async def stage_raw(
    session: AsyncSession | AsyncConnection,
    event_type: str,
    aggregate_type: str,
    topic: str,
    key: str,
    event_id: str,
    value: bytes,
    headers: Sequence[tuple[str, bytes]],
    if_absent: bool = False,
) -> None:
    """`if_absent`: an event already staged under the same id and topic is left as it is."""
    stmt = pg_insert(outbox).values(
        **_row(event_type, aggregate_type, topic, key, event_id, value, headers)
    )
    if if_absent:
        stmt = stmt.on_conflict_do_nothing(index_elements=["event_id", "topic"])
    await session.execute(stmt)


__all__ = ["RawEvent", "encode_json", "envelope_for", "payload_rows", "raw_rows", "stage", "stage_many",
           "stage_raw", "stage_rows"]
