"""Content digests of a ledger database, to compare a rebuilt one with the live one.

Two views of "the same ledger": the domain's `state_hash` over every aggregate (problems and
class-of-case items, as stored), and an md5 per table over every row in key order (what a rebuild
must restore row for row). Timestamps are rendered in UTC so two servers agree.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from services.ledger.domain.serialization import class_from_state, problem_from_state, state_hash
from shared.events.topics import LEDGER_JOURNAL

TABLES = {
    "ledger_events": "aggregate_id, seq",
    "problems": "id",
    "problem_reports": "complaint_id",
    "class_cases": "id",
    "themes": "id",
    "visits": "visit_id",
}


async def digests(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET TIME ZONE 'UTC'")
        tables = {}
        for table, order in TABLES.items():
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(md5(t::text), '' "
                f"ORDER BY {order}), '')) AS digest FROM {table} t")
            tables[table] = {"rows": row["n"], "md5": row["digest"]}
        aggregates: list[Any] = [
            problem_from_state(_load(s)) for s in
            await conn.fetchval("SELECT coalesce(array_agg(state), '{}') FROM problems")]
        aggregates += [
            class_from_state(_load(s)) for s in
            await conn.fetchval("SELECT coalesce(array_agg(state), '{}') FROM class_cases")]
        return {"state_hash": state_hash(aggregates), "aggregates": len(aggregates),
                "tables": tables}
    finally:
        await conn.close()


def _load(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return out


async def journal_backlog(dsn: str) -> int:
    """Journal entries committed but not yet on the journal topic (a rebuild cannot see them)."""
    conn = await asyncpg.connect(dsn)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL AND topic = $1",
            LEDGER_JOURNAL.name)
        return int(count or 0)
    finally:
        await conn.close()
