"""Group commit: concurrent submissions written together, one transaction for all of them.

Sends finish one by one; recording each batch in its own transaction would cost a round of
statements per batch. Here a submission waits for the write in progress, if any, and the next
write takes everything that queued up meanwhile, so under load the number of transactions
stays near the number of round trips the database can do, not the number of batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        self._write = write
        self._queue: list[tuple[Sequence[T], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, items: Sequence[T]) -> None:
        """Return once `items` are written; raise what the write that carried them raised."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append((items, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            try:
                await self._write([item for items, _ in group for item in items])
            except Exception as exc:
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)
