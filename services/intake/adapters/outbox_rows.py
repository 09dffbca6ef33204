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
from shared.outbox.writer import payload_rows
from shared.tracing import current_traceparent

_INSERT = UnnestInsert("outbox", [
    Col("event_id", "text"), Col("event_type", "text"), Col("aggregate_type", "text"),
    Col("aggregate_id", "text"), Col("topic", "text"), Col("value", "bytea"),
    Col("headers", "text", cast="jsonb"),
])


def outbox_row(payload: Payload, source: str, traceparent: str | None) -> dict[str, Any]:
    """The kit's row for one event, in the trace of the request that caused it; headers as JSON
    text, which the unnest insert casts to jsonb."""
    token = current_traceparent.set(traceparent)
    try:
        row = payload_rows([payload], source)[0]
    finally:
        current_traceparent.reset(token)
    return {**row, "headers": json.dumps(row["headers"])}


async def stage_rows(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _INSERT.execute(conn, rows)
