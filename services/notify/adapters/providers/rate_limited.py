"""Per-provider rate limit (限流): a token bucket in front of any provider.

Gateways and mail relays cap requests per second and answer 429 beyond it; waiting here is
cheaper than burning attempts. Each caller reserves a token and sleeps until it is due, so
concurrent senders go out in arrival order at the configured rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from services.notify.adapters.providers.base import OutboundMessage, Provider
from services.notify.domain.notification import Channel
from services.notify.domain.rate_limit import TokenBucket
from services.notify.domain.retry import SendResult


class RateLimitedProvider:
    def __init__(
        self,
        inner: Provider,
        *,
        per_second: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._clock = clock
        self._sleep = sleep
        self.bucket = TokenBucket(rate=per_second, capacity=burst, now=clock())

    @property
    def channel(self) -> Channel:
        return self._inner.channel

    async def send(self, message: OutboundMessage) -> SendResult:
        wait = self.bucket.reserve(self._clock())
        if wait > 0:
            await self._sleep(wait)
        return await self._inner.send(message)
