"""Webhook signatures (回调签名): HMAC-SHA256 over timestamp and body, Stripe style.

Scheme, for receivers:

    X-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]
    v1 = hex(HMAC-SHA256(key=secret as UTF-8, msg=f"{t}." + raw body bytes))

A receiver must:
1. take `t` and every `v1` from the header (ignore schemes it does not know);
2. reject if |now - t| > tolerance (300 s by default): an old capture is useless;
3. compute v1 with each secret it holds and compare in constant time; any match passes;
4. reject a request it has already accepted inside the window: the replay key is the
   SHA-256 of the signed bytes, so only a byte-exact repeat is a replay (our retries
   differ: each attempt is re-signed and its body carries the attempt number);
5. deduplicate deliveries by the body's `notificationid` / `Idempotency-Key` header, which is
   stable across retries. A replay is an attack; a retry is us.

During secret rotation the sender puts one v1 per live secret, newest first, and a receiver
holding either the old or the new secret verifies. `verify` below is that receiver.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

SIGNATURE_HEADER = "X-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(seconds=300)
_MAX_SIGNATURES = 8  # bounds the work an attacker can ask of a receiver per request


class SignatureError(ValueError):
    """The request is not an authentic, fresh webhook. `reason` is safe to log or return."""

    reason = "invalid_signature"


class MissingSignature(SignatureError):
    reason = "missing_signature"


class MalformedSignature(SignatureError):
    reason = "malformed_signature"


class StaleTimestamp(SignatureError):
    reason = "stale_timestamp"


class BadSignature(SignatureError):
    reason = "bad_signature"


class ReplayedRequest(SignatureError):
    reason = "replayed"


class ReplayCache(Protocol):
    """Remembers verified requests until they would be stale anyway."""

    def first_seen(self, key: str, *, now: int, expires_at: int) -> bool:
        """Record `key`; False if it was already recorded and has not expired."""
        ...


class InMemoryReplayCache:
    """A single-process replay cache; several receiver processes need a shared one (Redis)."""

    def __init__(self) -> None:
        self._expiry: dict[str, int] = {}
        self._by_expiry: list[tuple[int, str]] = []

    def first_seen(self, key: str, *, now: int, expires_at: int) -> bool:
        # Prune on write, oldest first, so the cache holds at most one window of requests.
        while self._by_expiry and self._by_expiry[0][0] < now:
            _, stale = heapq.heappop(self._by_expiry)
            self._expiry.pop(stale, None)
        if key in self._expiry:
            return False
        self._expiry[key] = expires_at
        heapq.heappush(self._by_expiry, (expires_at, key))
        return True

    def __len__(self) -> int:
        return len(self._expiry)


@dataclass(frozen=True, slots=True)
class Verified:
    timestamp: int
    replay_key: str


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("need an aware datetime")
    return int(moment.timestamp())


def _signed_bytes(timestamp: int, body: bytes) -> bytes:
    return str(timestamp).encode("ascii") + b"." + body


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(
        secret.encode("utf-8"), _signed_bytes(timestamp, body), hashlib.sha256
    ).hexdigest()


def sign(body: bytes, secrets: Sequence[str], now: datetime) -> dict[str, str]:
    """Headers to send with `body`: one v1 per live secret, newest first."""
    if not secrets:
        raise ValueError("nothing to sign with")
    timestamp = _unix(now)
    parts = [f"t={timestamp}"] + [
        f"{SCHEME}={compute_signature(s, timestamp, body)}" for s in secrets
    ]
    return {SIGNATURE_HEADER: ",".join(parts)}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def parse_signature_header(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in value.split(","):
        name, sep, field = item.strip().partition("=")
        if not sep:
            raise MalformedSignature("signature header items look like name=value")
        if name == "t":
            if timestamp is not None or not field.isdigit() or not field.isascii():
                raise MalformedSignature("one numeric t= is required")
            timestamp = int(field)
        elif name == SCHEME:
            signatures.append(field)
    if timestamp is None or not signatures:
        raise MalformedSignature(f"need t= and at least one {SCHEME}=")
    if len(signatures) > _MAX_SIGNATURES:
        raise MalformedSignature("too many signatures")
    return timestamp, signatures


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: datetime,
    *,
    replay_cache: ReplayCache,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> Verified:
    """Accept an authentic, fresh, first-seen request or raise a SignatureError."""
    if not secrets:
        raise ValueError("a receiver needs at least one secret")
    raw = _header(headers, SIGNATURE_HEADER)
    if raw is None:
        raise MissingSignature(f"no {SIGNATURE_HEADER} header")
    timestamp, signatures = parse_signature_header(raw)
    current = _unix(now)
    window = int(tolerance.total_seconds())
    if abs(current - timestamp) > window:
        raise StaleTimestamp(f"timestamp {timestamp} is outside {window}s of {current}")
    expected = [compute_signature(s, timestamp, body) for s in secrets]
    # Compare every pair so the time taken does not reveal which secret or position matched.
    matched = False
    for candidate in signatures:
        for good in expected:
            matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), good.encode())
    if not matched:
        raise BadSignature("no signature matches a known secret")
    replay_key = hashlib.sha256(_signed_bytes(timestamp, body)).hexdigest()
    if not replay_cache.first_seen(replay_key, now=current, expires_at=timestamp + window):
        raise ReplayedRequest("this exact request was already accepted")
    return Verified(timestamp=timestamp, replay_key=replay_key)
