"""What the ledger did, read where a duplicate would show, and how the intake acknowledged it.

A complaint takes effect in the ledger as one outbox row: ProblemOpened (listing it in
`complaint_ids`) or ProblemReportAttached (naming it). Outbox rows have no uniqueness on the
complaint, and neither does the ledger's own history (timeline or journal), so a second staging
would be counted twice here, unlike in `problems` or `problem_reports`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from deploy.local.stack import Stack
from shared.events.topics import PROBLEMS
from tests.support.checker import check
from tests.support.stacks import HOTLINE, complaint


def _conninfo(stack: Stack, service: str) -> str:
    return stack.database_url(service).replace("postgresql+asyncpg://", "postgresql://", 1)


def query(stack: Stack, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(_conninfo(stack, service), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def ledger_outbox_effects(stack: Stack) -> list[str]:
    """One complaint id per ProblemOpened listing it or ProblemReportAttached naming it."""
    out: list[str] = []
    rows = query(stack, "ledger", "SELECT event_type, value FROM outbox WHERE topic = %s "
                 "AND (event_type LIKE %s OR event_type LIKE %s) ORDER BY id",
                 f"{stack.namespace}{PROBLEMS.base}", "%.problem.opened.v1", "%.problem.report_attached.v1")
    for event_type, value in rows:
        data = json.loads(bytes(value))
        out.extend(data["complaint_ids"] if event_type.endswith("opened.v1") else [data["complaint_id"]])
    return out


def ledger_timeline_effects(stack: Stack) -> list[str]:
    """One complaint id per time the ledger's own history says a complaint was taken in.

    The walking skeleton keeps a `problem_events` timeline (a `register` entry per opening
    complaint); the journaled ledger keeps `ledger_events` (a `complaint_linked` record per
    complaint). Both are append-only, so a second application would add a second row.
    """
    tables = query(stack, "ledger", "SELECT to_regclass('problem_events') IS NOT NULL, "
                   "to_regclass('ledger_events') IS NOT NULL")[0]
    if tables[0]:
        rows = query(stack, "ledger", "SELECT details->>'complaint_id' FROM problem_events "
                     "WHERE action = 'register' ORDER BY id")
    elif tables[1]:
        rows = query(stack, "ledger", "SELECT body->>'complaint_id' FROM ledger_events "
                     "WHERE record_type LIKE %s ORDER BY aggregate_id, seq", "%.complaint_linked.%")
    else:
        raise AssertionError("the ledger has neither a problem_events timeline nor a ledger_events journal")
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
    before: Callable[[int], Awaitable[None]] | None = None,
) -> Posted:
    """POST one complaint per number, concurrently; retries reuse the Idempotency-Key, so are safe.

    `before(n)` is awaited before complaint n takes a connection: a test can hold part of the
    stream back until a fault has happened.
    """
    posted = posted if posted is not None else Posted()
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=intake_url, timeout=15, limits=limits) as client:

        async def one(n: int) -> None:
            if before is not None:
                await before(n)
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


async def wait_for_effects(stack: Stack, complaint_ids: list[str], seconds: float) -> None:
    """Until every complaint shows in the ledger, then a moment more for a late duplicate to land."""
    wanted = set(complaint_ids)
    deadline = time.monotonic() + seconds
    while True:
        missing = wanted - set(await asyncio.to_thread(ledger_outbox_effects, stack))
        if not missing:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(missing)} of {len(wanted)} complaints never reached the ledger, "
                               f"e.g. {sorted(missing)[:3]}")
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)


def assert_exactly_once(stack: Stack, acked: list[str], earlier: set[str]) -> None:
    """The one checker, on both places a duplicate would show. `earlier`: complaints acknowledged
    by earlier tests on the same stack, allowed (once each); this test's are added to it."""
    for effects in (ledger_outbox_effects(stack), ledger_timeline_effects(stack)):
        verdict = check(acked, effects, attempted=earlier)
        assert verdict.ok, verdict
    earlier.update(acked)


async def until(predicate: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(0.1)
