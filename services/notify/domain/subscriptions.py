"""Calling-system subscriptions (对接系统订阅): which status changes go to which endpoint.

A filter is a conjunction: every criterion that is set must match. Set only `complaint_ids`
for "tell me about the complaints I filed" (12345 hotline, 信访 system); set categories and
area prefixes for "tell me about 三资 problems in 长泰区" (a finance bureau). A filter with
none of the three is refused: no calling system gets the whole province by accident.
A paused subscription matches nothing; what happens while it is paused is not queued for it.

Secret rotation keeps two secrets live for a grace period; webhooks are signed with both so
the receiver can switch at its own pace (see signing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from services.notify.domain.status_changes import StatusChange

_AREA_PREFIX = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$", re.ASCII)  # 省/市/县/乡/村
MIN_SECRET_LENGTH = 24
DEFAULT_ROTATION_GRACE = timedelta(hours=24)


class SubscriptionError(ValueError):
    """A subscription or a change to it is not acceptable."""


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    complaint_ids: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    area_prefixes: frozenset[str] = frozenset()  # division code prefixes, e.g. "350605"
    event_types: frozenset[str] = frozenset()  # empty: every status event
    statuses: frozenset[str] = frozenset()  # e.g. {"closed"}; empty: every status

    def __post_init__(self) -> None:
        if not (self.complaint_ids or self.categories or self.area_prefixes):
            raise SubscriptionError("a filter needs complaint ids, categories or area prefixes")
        bad = sorted(p for p in self.area_prefixes if not _AREA_PREFIX.match(p))
        if bad:
            raise SubscriptionError(f"area prefixes must be 2/4/6/9/12-digit codes: {bad}")

    def matches(self, change: StatusChange) -> bool:
        if self.event_types and change.event.type not in self.event_types:
            return False
        if self.statuses and change.status not in self.statuses:
            return False
        if self.complaint_ids and self.complaint_ids.isdisjoint(change.complaint_ids):
            return False
        if self.categories and change.category not in self.categories:
            return False
        return not self.area_prefixes or any(
            change.area_code.startswith(prefix) for prefix in self.area_prefixes
        )


@dataclass(frozen=True, slots=True)
class SigningSecret:
    value: str = field(repr=False)
    created_at: datetime
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.value) < MIN_SECRET_LENGTH:
            raise SubscriptionError(f"signing secrets need >= {MIN_SECRET_LENGTH} characters")

    def live_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def check_endpoint(url: str, *, allow_http: bool = False) -> None:
    """Refuse endpoints we should not post to; plain http only where explicitly allowed."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsed here so a bad port is refused now, not at the first post
    except ValueError as exc:  # an unbalanced bracket, a port out of range, an unnormalisable host
        raise SubscriptionError(f"endpoint is not a valid URL: {exc}") from None
    allowed = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in allowed:
        raise SubscriptionError(f"endpoint scheme must be one of {sorted(allowed)}")
    if not parts.hostname:
        raise SubscriptionError("endpoint needs a host")
    if parts.username or parts.password:
        raise SubscriptionError("credentials in the endpoint URL would leak into logs")
    if parts.fragment:
        raise SubscriptionError("endpoint must not have a fragment")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One calling system's endpoint, filter, secrets and pause switch."""

    id: str
    system: str  # calling system id (对接系统标识), e.g. the client id it authenticates as
    endpoint: str
    filter: SubscriptionFilter
    secrets: tuple[SigningSecret, ...]  # newest first
    paused: bool = False

    def __post_init__(self) -> None:
        check_endpoint(self.endpoint, allow_http=True)
        if not self.secrets:
            raise SubscriptionError("a subscription needs a signing secret")

    def matches(self, change: StatusChange) -> bool:
        return not self.paused and self.filter.matches(change)

    def pause(self) -> Subscription:
        return replace(self, paused=True)

    def resume(self) -> Subscription:
        return replace(self, paused=False)

    def with_filter(self, new_filter: SubscriptionFilter) -> Subscription:
        return replace(self, filter=new_filter)

    def rotate_secret(
        self, new_value: str, now: datetime, grace: timedelta = DEFAULT_ROTATION_GRACE
    ) -> Subscription:
        """Make `new_value` the signing secret; the previous one stays live for `grace`.

        Only two secrets are ever live: rotating twice inside the grace period retires the
        oldest at once.
        """
        if grace < timedelta(0):
            raise SubscriptionError("grace must not be negative")
        if any(s.value == new_value for s in self.secrets):
            raise SubscriptionError("the new secret must differ from the current ones")
        fresh = SigningSecret(value=new_value, created_at=now)
        live = [s for s in self.secrets if s.live_at(now)]
        kept: tuple[SigningSecret, ...] = ()
        if live:
            previous = live[0]
            until = now + grace
            if previous.expires_at is not None:
                until = min(until, previous.expires_at)
            kept = (replace(previous, expires_at=until),) if until > now else ()
        return replace(self, secrets=(fresh, *kept))

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """Secret values to sign with at `now`, newest first."""
        return tuple(s.value for s in self.secrets if s.live_at(now))
