"""Events staged many at a time: the outbox rows `shared.outbox.writer.stage` writes one by one.

The row shape is the kit's (`shared.outbox.schema.outbox`), built from the kit's own envelope, so
the relay cannot tell these rows from staged ones; only the insert is batched.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.unnest import Col, UnnestInsert
from shared.events.catalog import Payload
from shared.outbox.writer import envelope_for
from shared.tracing import current_traceparent

_INSERT = UnnestInsert("outbox", [
    Col("event_id", "text"), Col("event_type", "text"), Col("aggregate_type", "text"),
    Col("aggregate_id", "text"), Col("topic", "text"), Col("value", "bytea"),
    Col("headers", "text", cast="jsonb"),
])


def outbox_row(payload: Payload, source: str, traceparent: str | None) -> dict[str, Any]:
    """The row for one event, in the trace of the request that caused it."""
    token = current_traceparent.set(traceparent)
    try:
        env = envelope_for(payload, source)
    finally:
        current_traceparent.reset(token)
    return {
        "event_id": env.id,
        "event_type": env.type,
        "aggregate_type": payload.TOPIC.aggregate,
        "aggregate_id": env.subject,
        "topic": payload.TOPIC.name,
        "value": env.value(),
        "headers": json.dumps([[k, v.decode("utf-8", "backslashreplace")] for k, v in env.headers()]),
    }


async def stage_rows(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _INSERT.execute(conn, rows)
