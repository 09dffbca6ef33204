"""One consumer fetch of the problem ledger, in order, in the fetch's one transaction.

Consecutive ProblemOpened events are gathered and staffed together (assign.staff: one read of
the input, one solve, one stored solve), which costs little more than staffing one. Any other
event (a closed problem frees capacity, a reopened one takes it back) first flushes what is
gathered, so every solve sees the capacity the events before it left, as one by one would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.service_layer.assign import Opened, opened_of, staff_opened
from services.pairing.service_layer.context import PairingContext
from shared.consumer import Delivery, Handler, in_trace_of
from shared.events.catalog import Payload, ProblemOpened
from shared.events.envelope import Envelope


class ProblemEvents:
    """The batch handler of pairing's consumer; `others` handle the other event types."""

    def __init__(self, ctx: PairingContext, consumer: str, others: Mapping[str, Handler]) -> None:
        self.ctx = ctx
        self.consumer = consumer
        self.others = others

    async def __call__(self, session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        gathered: list[Opened] = []
        for env, payload in deliveries:
            if isinstance(payload, ProblemOpened):
                gathered.append(opened_of(env, payload))
                continue
            handler = self.others.get(env.type)
            if handler is None:
                continue  # an event type this consumer has no business with
            await self.flush(session, gathered)
            gathered = []
            with in_trace_of(env):
                await handler(session, env, payload)
        await self.flush(session, gathered)

    async def flush(self, session: AsyncSession, gathered: Sequence[Opened]) -> None:
        await staff_opened(session, self.ctx, gathered)

    async def opened(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        """One ProblemOpened on its own (the per-event handler)."""
        assert isinstance(payload, ProblemOpened)
        await staff_opened(session, self.ctx, [opened_of(env, payload)])
