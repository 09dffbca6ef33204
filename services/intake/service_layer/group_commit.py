"""Group commit 批量提交: concurrent accepts share one transaction, and each answer waits for it.

On two cores the cost of an accept is dominated by the commit (a WAL flush) and by statement
round trips, not by the rows; gathering whatever arrives within a short window into one
transaction pays those once per batch. Durability is unchanged: a request is answered only after
the transaction holding its rows has committed.

A batch that fails as a whole (a row the database refuses, a deadlock with another replica) is
retried submission by submission, each in its own transaction, so one bad row fails alone. When
the database itself is unreachable every waiting request gets a 503 and nothing is half-stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.service_layer.submission import Outcome, Refused, Submission
from shared.consumer import is_infrastructure_error

log = logging.getLogger(__name__)

Store = Callable[[AsyncConnection, Sequence[Submission]], Awaitable[list[Outcome]]]
UNAVAILABLE = Refused(503, "unavailable", "the database is unavailable; retry with the same Idempotency-Key")
NOT_STORED = Refused(
    500, "not_stored", "the complaint could not be stored; retry with the same Idempotency-Key"
)
STOPPING = Refused(503, "stopping", "intake is shutting down; retry with the same Idempotency-Key")


@dataclass
class CommitStats:
    batches: int = 0
    submissions: int = 0
    largest: int = 0
    fallbacks: int = 0
    commit_seconds: float = 0.0


@dataclass
class _Pending:
    submission: Submission
    done: asyncio.Future[Outcome] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommitter:
    def __init__(
        self,
        engine: AsyncEngine,
        store: Store,
        window_seconds: float = 0.001,
        max_batch: int = 256,
        in_flight: int = 2,
    ) -> None:
        self.engine = engine
        self.store = store
        self.window = window_seconds
        self.max_batch = max_batch
        self.in_flight = in_flight
        self.stats = CommitStats()
        self._queue: list[_Pending] = []
        self._arrived = asyncio.Event()
        self._running = False

    async def submit(self, submission: Submission) -> Outcome:
        """The outcome, once the transaction holding this submission has committed."""
        if not self._running:
            return STOPPING
        pending = _Pending(submission)
        self._queue.append(pending)
        self._arrived.set()
        # A client that hangs up does not cancel the batch its submission is in.
        return await asyncio.shield(pending.done)

    async def run(self, stop: asyncio.Event) -> None:
        self._running = True
        slots = asyncio.Semaphore(self.in_flight)
        flushing: set[asyncio.Task[None]] = set()
        try:
            while self._queue or not stop.is_set():
                if not self._queue:
                    await _first(self._arrived.wait(), stop.wait())
                    self._arrived.clear()
                    continue
                await slots.acquire()
                if self.window and len(self._queue) < self.max_batch:
                    await asyncio.sleep(self.window)
                batch = self._take_batch()
                task = asyncio.create_task(self._flush(batch))
                flushing.add(task)
                task.add_done_callback(flushing.discard)
                task.add_done_callback(lambda _: slots.release())
        finally:
            self._running = False
            if flushing:
                await asyncio.gather(*flushing, return_exceptions=True)
            for pending in self._queue:
                _resolve(pending, STOPPING)
            self._queue.clear()

    def _take_batch(self) -> list[_Pending]:
        """Up to `max_batch` submissions in arrival order. A submission that shares a key with
        an earlier one and is not a plain retry of it waits for a later batch: there the earlier
        one's claim (committed, or waited for by the unique index) decides its answer."""
        batch: list[_Pending] = []
        waiting: list[_Pending] = []
        owner: dict[str, Submission] = {}
        for pending in self._queue:
            s = pending.submission
            first = next((owner[k] for k, _ in s.claim_keys if k in owner), None)
            if len(batch) >= self.max_batch or (first is not None and not s.same_request(first)):
                waiting.append(pending)
                continue
            batch.append(pending)
            owner.update((k, s) for k, _ in s.claim_keys)
        self._queue = waiting
        return batch

    async def _flush(self, batch: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            outcomes = await self._transaction([p.submission for p in batch])
        except Exception as exc:
            if is_infrastructure_error(exc):
                log.error("database unavailable; batch refused", extra={"error": type(exc).__name__})
                for pending in batch:
                    _resolve(pending, UNAVAILABLE)
                return
            # Only the exception's type: a database error's text can quote the rows' values.
            log.warning("batch failed; storing its submissions one by one",
                        extra={"error": type(exc).__name__, "size": len(batch)})
            self.stats.fallbacks += 1
            for pending in batch:
                _resolve(pending, await self._alone(pending.submission))
            return
        self.stats.batches += 1
        self.stats.submissions += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        self.stats.commit_seconds += time.perf_counter() - started
        for pending, outcome in zip(batch, outcomes, strict=True):
            _resolve(pending, outcome)

    async def _transaction(self, submissions: Sequence[Submission]) -> list[Outcome]:
        async with self.engine.begin() as conn:
            return await self.store(conn, submissions)

    async def _alone(self, submission: Submission) -> Outcome:
        try:
            return (await self._transaction([submission]))[0]
        except Exception as exc:
            log.error("submission could not be stored", extra={"error": type(exc).__name__})
            return UNAVAILABLE if is_infrastructure_error(exc) else NOT_STORED


def _resolve(pending: _Pending, outcome: Outcome) -> None:
    if not pending.done.done():
        pending.done.set_result(outcome)


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
