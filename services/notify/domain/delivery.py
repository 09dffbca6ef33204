"""Delivery status (发送状态) of one notification, as a guarded state machine.

    pending ──start──▶ sending ──accepted/duplicate──▶ delivered   (final, nothing leaves it)
       ▲                 │ ├──transient, attempts left──▶ retry_scheduled ──start──▶ sending
       │                 │ └──permanent or out of attempts──▶ failed (dead letter, reason kept)
       └──requeue (operator)─────────────────────────────────────────┘

Sent once across crashes: `sending` is stored *before* the provider call, with a lease. If
the sender dies after the provider accepted but before `delivered` was stored, the lease runs
out, another attempt starts with the same key, the provider answers "duplicate", and that
counts as delivered. Results are matched to the attempt that produced them, so a slow worker
whose lease expired cannot undo what a later attempt did; a success always wins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.notify.domain.notification import Channel, EventRef, Notification, RecipientKind
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.retry import DecisionKind, RetryPolicy, SendResult
from shared.events.catalog import NotificationDelivered, NotificationFailed

DEFAULT_LEASE = timedelta(seconds=60)
MAX_REASON_LENGTH = 500


class DeliveryStatus(StrEnum):
    """发送状态."""

    PENDING = "pending"  # 待发送
    SENDING = "sending"  # 发送中
    RETRY_SCHEDULED = "retry_scheduled"  # 待重试
    DELIVERED = "delivered"  # 已送达
    FAILED = "failed"  # 发送失败 (死信)


class InvalidTransition(ValueError):
    pass


class NotDue(InvalidTransition):
    """Too early: not yet due, or inside the recipient's quiet hours."""

    def __init__(self, message: str, due_at: datetime) -> None:
        super().__init__(message)
        self.due_at = due_at


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What the dead-letter store keeps for an operator (死信记录)."""

    key: str
    channel: Channel
    reason: str
    attempts: int
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    delivery: Delivery
    events: tuple[NotificationDelivered | NotificationFailed, ...] = ()
    dead_letter: DeadLetter | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """The sending state of one notification (one row of the notifications table)."""

    key: str
    cause: EventRef
    recipient_kind: RecipientKind
    channel: Channel
    template_id: str
    status: DeliveryStatus
    next_attempt_at: datetime | None
    quiet_hours: QuietHours | None = None
    attempts: int = 0  # every attempt ever started, so attempt numbers never repeat
    round_start: int = 0  # attempts made before the last requeue; the policy counts after it
    lease_until: datetime | None = None
    last_reason: str = ""
    provider_ref: str | None = None
    finished_at: datetime | None = None

    @classmethod
    def new(cls, notification: Notification, now: datetime) -> Delivery:
        quiet = notification.quiet_hours
        return cls(
            key=notification.key,
            cause=notification.event,
            recipient_kind=notification.recipient.kind,
            channel=notification.channel,
            template_id=notification.template_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=quiet.defer(now) if quiet else now,
            quiet_hours=quiet,
        )

    @property
    def is_final(self) -> bool:
        return self.status is DeliveryStatus.DELIVERED

    def due_at(self, now: datetime) -> datetime | None:
        """When an attempt may start, at the earliest; None while in flight or finished."""
        if self.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRY_SCHEDULED):
            start = self.next_attempt_at or now
        elif self.status is DeliveryStatus.SENDING and self.lease_until is not None:
            start = self.lease_until  # abandoned attempts are taken over when the lease ends
        else:
            return None
        start = max(start, now)
        return self.quiet_hours.defer(start) if self.quiet_hours else start

    def start_attempt(self, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Delivery:
        """Mark `sending` (store this before calling the provider)."""
        if self.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            raise InvalidTransition(f"{self.key}: cannot send a {self.status} notification")
        due = self.due_at(now)
        if due is None or due > now:
            when = due or now
            raise NotDue(f"{self.key}: not due until {when.isoformat()}", when)
        return replace(
            self,
            status=DeliveryStatus.SENDING,
            attempts=self.attempts + 1,
            lease_until=now + lease,
            next_attempt_at=None,
        )

    def postpone(self, now: datetime) -> Delivery:
        """Move a waiting notification past quiet hours found at pick-up time."""
        due = self.due_at(now)
        if due is None or self.status is DeliveryStatus.SENDING:
            raise InvalidTransition(f"{self.key}: only waiting notifications can be postponed")
        return replace(self, next_attempt_at=due)

    def record(
        self,
        result: SendResult,
        attempt: int,
        now: datetime,
        policy: RetryPolicy,
        draw: float,
    ) -> Transition:
        """Apply the provider's answer to attempt number `attempt`."""
        if not 1 <= attempt <= self.attempts:
            raise InvalidTransition(f"{self.key}: attempt {attempt} was never started")
        if self.status is DeliveryStatus.DELIVERED:
            return Transition(self)  # a second success (a taken-over attempt) changes nothing
        reason = result.reason[:MAX_REASON_LENGTH]
        if result.outcome.succeeded:
            delivered = replace(
                self,
                status=DeliveryStatus.DELIVERED,
                lease_until=None,
                next_attempt_at=None,
                last_reason=reason,
                provider_ref=result.provider_ref,
                finished_at=now,
            )
            event = NotificationDelivered(**self._event_fields(now))
            return Transition(delivered, (event,))
        if self.status is not DeliveryStatus.SENDING or attempt != self.attempts:
            return Transition(self)  # a stale failure: a later attempt owns the outcome now
        decision = policy.decide(result, attempt - self.round_start, now, draw)
        if decision.kind is DecisionKind.RETRY and decision.retry_at is not None:
            retry_at = decision.retry_at
            if self.quiet_hours is not None:
                retry_at = self.quiet_hours.defer(retry_at)
            return Transition(
                replace(
                    self,
                    status=DeliveryStatus.RETRY_SCHEDULED,
                    lease_until=None,
                    next_attempt_at=retry_at,
                    last_reason=reason,
                )
            )
        final_reason = decision.reason[:MAX_REASON_LENGTH]
        failed = replace(
            self,
            status=DeliveryStatus.FAILED,
            lease_until=None,
            next_attempt_at=None,
            last_reason=final_reason,
            finished_at=now,
        )
        failure = NotificationFailed(**self._event_fields(now), reason=final_reason)
        letter = DeadLetter(
            key=self.key,
            channel=self.channel,
            reason=final_reason,
            attempts=self.attempts,
            failed_at=now,
        )
        return Transition(failed, (failure,), letter)

    def _event_fields(self, now: datetime) -> dict[str, Any]:
        return {
            "notification_id": self.key,
            "channel": self.channel.value,
            "recipient_kind": self.recipient_kind.value,
            "template": self.template_id,
            "cause_event_id": self.cause.id,
            "attempts": self.attempts,
            "at": now,
        }

    def requeue(self, now: datetime) -> Delivery:
        """Operator action on a dead letter: try again from scratch, same key."""
        if self.status is not DeliveryStatus.FAILED:
            raise InvalidTransition(f"{self.key}: only failed notifications can be requeued")
        return replace(
            self,
            status=DeliveryStatus.PENDING,
            round_start=self.attempts,
            next_attempt_at=now,
            finished_at=None,
        )
