"""Token bucket (限流) for one provider: `rate` sends per second, bursts up to `capacity`.

Reservation style: `reserve` always takes the token, possibly into debt, and says how long
the caller must wait before using it. Concurrent senders therefore queue in arrival order
without polling, and the bucket never lets more than `capacity + rate * t` through in any
window of length t. Time is a number passed in (a monotonic clock in the adapter).
"""

from __future__ import annotations


class TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("need rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = now

    def _refill(self, now: float) -> None:
        # A clock that steps back must not mint tokens.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = max(self._updated, now)

    def reserve(self, now: float, tokens: float = 1.0) -> float:
        """Take `tokens`; return the seconds to wait before acting on them (0 = go now)."""
        if tokens <= 0 or tokens > self.capacity:
            raise ValueError(f"can reserve between 0 and {self.capacity} tokens at once")
        self._refill(now)
        self._tokens -= tokens
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def available(self, now: float) -> float:
        self._refill(now)
        return self._tokens
