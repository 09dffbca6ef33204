"""Send outcomes and the retry policy (重试策略).

Classification, following GOV.UK Notify and HTTP semantics:
- 2xx: accepted. A provider saying "already have this key" is a duplicate, which is success:
  the first attempt got through and only our record of it was lost.
- 408, 429, 5xx, timeouts, refused or reset connections: transient, try again later.
  429 and 503 may carry Retry-After, which we honour (up to a ceiling).
- any other 4xx, and 1xx/3xx (we never follow redirects): permanent. Retrying would only
  repeat the same answer, so the notification goes to the dead-letter store with the reason.

Backoff is exponential with full jitter: wait uniformly in [0, min(cap, base * 2^(n-1))].
Randomness is passed in (`draw` in [0, 1)) so the policy stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum


class SendOutcome(StrEnum):
    """What a provider said (发送结果)."""

    ACCEPTED = "accepted"  # 已受理
    DUPLICATE = "duplicate"  # 重复请求, 视为成功
    TRANSIENT = "transient"  # 暂时失败, 可重试
    PERMANENT = "permanent"  # 永久失败, 转入死信

    @property
    def succeeded(self) -> bool:
        return self in (SendOutcome.ACCEPTED, SendOutcome.DUPLICATE)


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    reason: str = ""
    provider_ref: str | None = None  # the provider's own message id, for support tickets
    retry_after: timedelta | None = None

    @classmethod
    def accepted(cls, provider_ref: str | None = None) -> SendResult:
        return cls(SendOutcome.ACCEPTED, provider_ref=provider_ref)

    @classmethod
    def duplicate(cls, provider_ref: str | None = None) -> SendResult:
        return cls(
            SendOutcome.DUPLICATE, reason="provider already had this key", provider_ref=provider_ref
        )

    @classmethod
    def transient(cls, reason: str, retry_after: timedelta | None = None) -> SendResult:
        return cls(SendOutcome.TRANSIENT, reason=reason, retry_after=retry_after)

    @classmethod
    def permanent(cls, reason: str) -> SendResult:
        return cls(SendOutcome.PERMANENT, reason=reason)


def classify_http_status(status: int) -> SendOutcome:
    if 200 <= status < 300:
        return SendOutcome.ACCEPTED
    if status in (408, 429) or 500 <= status < 600:
        return SendOutcome.TRANSIENT
    return SendOutcome.PERMANENT


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as delay-seconds or an HTTP-date; None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit() and value.isascii():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


def http_result(
    status: int, *, now: datetime, retry_after: str | None = None, detail: str = ""
) -> SendResult:
    """SendResult for an HTTP answer that carried no provider-specific meaning."""
    outcome = classify_http_status(status)
    reason = f"HTTP {status}" + (f": {detail}" if detail else "")
    if outcome is SendOutcome.ACCEPTED:
        return SendResult.accepted()
    if outcome is SendOutcome.TRANSIENT:
        return SendResult.transient(reason, parse_retry_after(retry_after, now))
    return SendResult.permanent(reason)


class DecisionKind(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    reason: str = ""
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries. Defaults ride out roughly an hour or two of provider outage."""

    max_attempts: int = 12
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)
    max_retry_after: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("need 0 < base <= cap")

    def backoff(self, attempt: int, draw: float) -> timedelta:
        """Full-jitter delay after failed attempt number `attempt` (1-based)."""
        if not 0.0 <= draw < 1.0:
            raise ValueError("draw must be in [0, 1)")
        # Cap the exponent before multiplying so a large attempt number cannot overflow.
        ceiling = min(self.cap, self.base * (1 << max(0, min(attempt - 1, 40))))
        return ceiling * draw

    def decide(self, result: SendResult, attempt: int, now: datetime, draw: float) -> Decision:
        """What to do after attempt number `attempt` ended with `result`."""
        if result.outcome.succeeded:
            return Decision(DecisionKind.DELIVERED, reason=result.reason)
        if result.outcome is SendOutcome.PERMANENT:
            return Decision(DecisionKind.GIVE_UP, reason=result.reason)
        if attempt >= self.max_attempts:
            return Decision(
                DecisionKind.GIVE_UP,
                reason=f"gave up after {attempt} attempts; last: {result.reason}",
            )
        delay = self.backoff(attempt, draw)
        if result.retry_after is not None:
            delay = max(delay, min(result.retry_after, self.max_retry_after))
        return Decision(DecisionKind.RETRY, reason=result.reason, retry_at=now + delay)
