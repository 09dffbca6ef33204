"""Writes to `notifications` for many rows at once: one statement per batch, whatever its size.

Each statement takes one array per column and `unnest`s them, so its text (and asyncpg's
prepared statement) is the same for 1 row or 500: no per-row statement, no per-row parameter
processing in SQLAlchemy, and one trigger firing (one wake-up) per insert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.deliveries import new_row, state_values
from services.notify.domain.delivery import Delivery
from services.notify.domain.notification import Notification

# Column name → PostgreSQL array type of the unnest argument.
_STATE = {
    "status": "text", "attempts": "int", "round_start": "int", "next_attempt_at": "timestamptz",
    "lease_until": "timestamptz", "wake_at": "timestamptz", "last_reason": "text",
    "provider_ref": "text", "finished_at": "timestamptz", "updated_at": "timestamptz",
}
_NEW = {
    "key": "text", "cause_source": "text", "cause_id": "text", "cause_type": "text",
    "recipient_kind": "text", "recipient_ref": "text", "channel": "text", "template_id": "text",
    "variables": "text", "urgent": "bool", "due_by": "date", "due_by_estimated": "bool",
    "quiet_start": "time", "quiet_end": "time", "created_at": "timestamptz", **_STATE,
}


def _unnest(columns: dict[str, str]) -> str:
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in columns.items())
    return f"unnest({arrays}) AS u({', '.join(columns)})"


def _arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in columns}


_INSERT_NEW = sa.text(
    f"INSERT INTO notifications ({', '.join(_NEW)}) "
    f"SELECT {', '.join('CAST(u.variables AS jsonb)' if c == 'variables' else f'u.{c}' for c in _NEW)} "
    f"FROM {_unnest(_NEW)} ON CONFLICT DO NOTHING RETURNING key"
)
_SET_STATE = ", ".join(f"{name} = u.{name}" for name in _STATE)
_KEYED_STATE = {"key": "text", **_STATE}
_UPDATE_STATES = sa.text(
    f"UPDATE notifications AS n SET {_SET_STATE} FROM {_unnest(_KEYED_STATE)} WHERE n.key = u.key"
)
# The same, only where the row is still the attempt we started (status, attempt number and lease
# as the claim wrote them); RETURNING says which rows that was.
_GUARDED = {**_KEYED_STATE, "was_attempts": "int", "was_lease": "timestamptz"}
_UPDATE_IF_OURS = sa.text(
    f"UPDATE notifications AS n SET {_SET_STATE} FROM {_unnest(_GUARDED)} WHERE n.key = u.key "
    "AND n.status = 'sending' AND n.attempts = u.was_attempts AND n.lease_until = u.was_lease "
    "RETURNING n.key"
)


async def insert_new(
    session: AsyncSession, planned: Sequence[tuple[Notification, Delivery, datetime]]
) -> set[str]:
    """Insert what is not there yet ("on conflict do nothing"); the keys that were inserted."""
    if not planned:
        return set()
    rows = [new_row(n, delivery, now) for n, delivery, now in planned]
    for row in rows:
        row["variables"] = json.dumps(row["variables"], ensure_ascii=False)
    return set((await session.scalars(_INSERT_NEW, _arrays(rows, list(_NEW)))).all())


async def update_states(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store states, whatever the rows hold: `{"key": ..., **state_values(...)}` each."""
    if rows:
        await session.execute(_UPDATE_STATES, _arrays(rows, list(_KEYED_STATE)))


async def update_if_ours(
    session: AsyncSession, changed: Sequence[tuple[Delivery, Delivery]], now: datetime
) -> set[str]:
    """(started, after) pairs: store `after` where the row still is `started`, which the caller
    wrote when it claimed the row. The keys stored; the others were changed meanwhile (a lease
    ran out and another sender took the attempt over) and need a look at the row."""
    if not changed:
        return set()
    rows = [
        {"key": after.key, **state_values(after, now), "was_attempts": started.attempts,
         "was_lease": started.lease_until}
        for started, after in changed
    ]
    return set((await session.scalars(_UPDATE_IF_OURS, _arrays(rows, list(_GUARDED)))).all())
