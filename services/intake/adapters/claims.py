"""Idempotency claims 幂等键: a unique-index insert decides which request owns a key.

A second transaction inserting the same key waits on the first one's uncommitted index entry and,
once it commits, finds the key taken; so concurrent retries resolve to the first result without
any lock of our own. Keys are inserted in sorted order so two batches never wait on each other
crosswise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import claims
from services.intake.adapters.unnest import Col, UnnestInsert

_CLAIM = UnnestInsert(
    "idempotency_claims",
    [Col("key", "text"), Col("kind", "text"), Col("caller", "text"), Col("fingerprint", "text"),
     Col("result", "text", cast="jsonb"), Col("created_at", "timestamptz")],
    suffix="ON CONFLICT (key) DO NOTHING RETURNING key",
)


@dataclass(frozen=True)
class NewClaim:
    key: str
    kind: str
    caller: str
    fingerprint: str | None
    result: dict[str, Any]


@dataclass(frozen=True)
class PriorClaim:
    key: str
    fingerprint: str | None
    result: dict[str, Any]


async def claim(conn: AsyncConnection, wanted: Sequence[NewClaim], now: datetime) -> set[str]:
    """Insert the claims; returns the keys this transaction now owns."""
    if not wanted:
        return set()
    rows = [
        {"key": c.key, "kind": c.kind, "caller": c.caller, "fingerprint": c.fingerprint,
         "result": json.dumps(c.result), "created_at": now}
        for c in sorted(wanted, key=lambda c: c.key)
    ]
    return set((await _CLAIM.execute(conn, rows)).scalars().all())


async def prior(conn: AsyncConnection, keys: Iterable[str]) -> dict[str, PriorClaim]:
    wanted = list(keys)
    if not wanted:
        return {}
    rows = await conn.execute(
        sa.select(claims.c.key, claims.c.fingerprint, claims.c.result).where(claims.c.key.in_(wanted))
    )
    return {r.key: PriorClaim(r.key, r.fingerprint, r.result) for r in rows}


async def release(conn: AsyncConnection, keys: Sequence[str]) -> None:
    """Give up keys claimed for a request that is refused after all."""
    if keys:
        await conn.execute(claims.delete().where(claims.c.key.in_(list(keys))))


async def point_to(conn: AsyncConnection, keys: Sequence[str], result: dict[str, Any]) -> None:
    """A new key of a request that turned out to repeat an earlier one answers like that one."""
    if keys:
        await conn.execute(claims.update().where(claims.c.key.in_(list(keys))).values(result=result))
