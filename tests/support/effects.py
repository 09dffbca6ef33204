"""What the ledger did, read where a duplicate would show, and how the intake acknowledged it.

A complaint takes effect in the ledger as one outbox row: ProblemOpened (listing it in
`complaint_ids`) or ProblemReportAttached (naming it). Outbox rows have no uniqueness on the
complaint, and neither do the `register` rows of the timeline, so applying a complaint twice would
be counted twice here, unlike in `problems` or `problem_reports`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from deploy.local.stack import Stack
from tests.support.stacks import HOTLINE, complaint


def _conninfo(stack: Stack, service: str) -> str:
    return stack.database_url(service).replace("postgresql+asyncpg://", "postgresql://", 1)


def query(stack: Stack, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(_conninfo(stack, service), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def ledger_outbox_effects(stack: Stack) -> list[str]:
    """One complaint id per ProblemOpened listing it or ProblemReportAttached naming it."""
    out: list[str] = []
    rows = query(stack, "ledger", "SELECT event_type, value FROM outbox WHERE event_type LIKE %s "
                 "OR event_type LIKE %s ORDER BY id", "%.problem.opened.v1", "%.problem.report_attached.v1")
    for event_type, value in rows:
        data = json.loads(bytes(value))
        out.extend(data["complaint_ids"] if event_type.endswith("opened.v1") else [data["complaint_id"]])
    return out


def ledger_timeline_effects(stack: Stack) -> list[str]:
    """One complaint id per `register` entry of a problem's timeline."""
    rows = query(stack, "ledger", "SELECT details->>'complaint_id' FROM problem_events "
                 "WHERE action = 'register' ORDER BY id")
    return [r[0] for r in rows]


@dataclass
class Posted:
    """Complaints POSTed to intake: acknowledged ones by their number, and the numbers never acked."""

    acked: dict[int, str] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return list(self.acked.values())


async def post_complaints(
    intake_url: str, numbers: range, concurrency: int = 16, attempts: int = 20, posted: Posted | None = None,
) -> Posted:
    """POST one complaint per number, concurrently; retries reuse the Idempotency-Key, so are safe."""
    posted = posted if posted is not None else Posted()
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=intake_url, timeout=15, limits=limits) as client:

        async def one(n: int) -> None:
            async with gate:
                for attempt in range(attempts):
                    try:
                        r = await client.post("/complaints", json=complaint(n),
                                              headers={**HOTLINE, "Idempotency-Key": f"fault-{n}"})
                        if r.status_code in (200, 201):
                            posted.acked[n] = r.json()["complaint_id"]
                            return
                        if r.status_code < 500 and r.status_code != 429:
                            raise AssertionError(f"complaint {n} refused: {r.status_code} {r.text}")
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
                posted.failed.append(n)

        await asyncio.gather(*(one(n) for n in numbers))
    return posted
