"""Per-caller limits 调用限额: a request rate (token bucket) and a maximum body size.

Checked before anything is read or stored: beyond the body size a 413, beyond the rate a 429 with
`Retry-After`. The buckets live in this process's memory: with N replicas behind a balancer a
caller gets up to N times its rate, which is the accepted trade for not putting a shared store in
every request's path.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from shared.http.auth import Caller, require
from shared.http.errors import ApiError


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """0 when a token was taken; else the seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets by key; a key unseen for a while is forgotten so the map cannot grow unbounded."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def retry_after(self, key: str, rate: float, burst: int) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = TokenBucket(rate, burst, float(burst), now)
        return bucket.take(now)

    def _forget_full(self, now: float) -> None:
        # A bucket that would be full again remembers nothing worth keeping.
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * b.rate >= b.burst]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]

    def check(self, key: str, rate: float, burst: int, what: str) -> None:
        wait = self.retry_after(key, rate, burst)
        if wait > 0:
            raise ApiError(429, "rate_limited", f"too many requests from {what}; retry later",
                           headers={"Retry-After": str(max(1, math.ceil(wait)))})


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the request body exceeds {limit} bytes")


def check_declared_size(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it exceeds `limit` (also when sent chunked)."""
    check_declared_size(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette re-reads a cached body (request.form() for multipart Open311 posts).
    request._body = body
    return body


def admit(request: Request, caller: Caller) -> None:
    """Size by the declared length, then rate: a refused request costs no token."""
    cfg = caller.config
    check_declared_size(request, cfg.max_body_bytes)
    limiter: RateLimiter = request.app.state.limiter
    limiter.check(f"caller:{caller.name}", cfg.rate_per_second, cfg.burst, f"caller {caller.name!r}")


def gate(scope: str) -> Callable[[Request], Coroutine[Any, Any, Caller]]:
    """A FastAPI dependency: the authenticated caller holding `scope`, within its limits."""

    authorised = require(scope)

    async def dependency(request: Request) -> Caller:
        caller = await authorised(request)
        admit(request, caller)
        return caller

    return dependency
