"""Rows of `notifications` to and from the domain's Notification and Delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.notify.domain.delivery import Delivery, DeliveryStatus
from services.notify.domain.notification import (
    Channel,
    EventRef,
    Notification,
    Recipient,
    RecipientKind,
)
from services.notify.domain.quiet_hours import QuietHours

_WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRY_SCHEDULED)


def wake_at(delivery: Delivery) -> datetime | None:
    """When a sender should look at the row again; None once nothing more will happen."""
    if delivery.status in _WAITING:
        return delivery.next_attempt_at
    if delivery.status is DeliveryStatus.SENDING:
        return delivery.lease_until  # an attempt not recorded by then was abandoned
    return None


def state_values(delivery: Delivery, now: datetime) -> dict[str, Any]:
    """The columns a delivery's state change writes."""
    return {
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "round_start": delivery.round_start,
        "next_attempt_at": delivery.next_attempt_at,
        "lease_until": delivery.lease_until,
        "wake_at": wake_at(delivery),
        "last_reason": delivery.last_reason,
        "provider_ref": delivery.provider_ref,
        "finished_at": delivery.finished_at,
        "updated_at": now,
    }


def new_row(notification: Notification, delivery: Delivery, now: datetime) -> dict[str, Any]:
    quiet = notification.quiet_hours
    return {
        "key": notification.key,
        "cause_source": notification.event.source,
        "cause_id": notification.event.id,
        "cause_type": notification.event.type,
        "recipient_kind": notification.recipient.kind.value,
        "recipient_ref": notification.recipient.ref,
        "channel": notification.channel.value,
        "template_id": notification.template_id,
        "variables": dict(notification.variables),
        "urgent": notification.urgent,
        "due_by": notification.due_by,
        "due_by_estimated": notification.due_by_estimated,
        "quiet_start": quiet.start if quiet else None,
        "quiet_end": quiet.end if quiet else None,
        "created_at": now,
        **state_values(delivery, now),
    }


def _quiet(row: Mapping[Any, Any]) -> QuietHours | None:
    if row["quiet_start"] is None or row["quiet_end"] is None:
        return None
    return QuietHours(start=row["quiet_start"], end=row["quiet_end"])


def _event(row: Mapping[Any, Any]) -> EventRef:
    return EventRef(source=row["cause_source"], id=row["cause_id"], type=row["cause_type"])


def notification_of(row: Mapping[Any, Any]) -> Notification:
    return Notification(
        key=row["key"],
        event=_event(row),
        recipient=Recipient(RecipientKind(row["recipient_kind"]), row["recipient_ref"]),
        channel=Channel(row["channel"]),
        template_id=row["template_id"],
        variables=row["variables"],
        urgent=row["urgent"],
        due_by=row["due_by"],
        due_by_estimated=row["due_by_estimated"],
        quiet_hours=_quiet(row),
    )


def delivery_of(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(
        key=row["key"],
        cause=_event(row),
        recipient_kind=RecipientKind(row["recipient_kind"]),
        channel=Channel(row["channel"]),
        template_id=row["template_id"],
        status=DeliveryStatus(row["status"]),
        next_attempt_at=row["next_attempt_at"],
        quiet_hours=_quiet(row),
        attempts=row["attempts"],
        round_start=row["round_start"],
        lease_until=row["lease_until"],
        last_reason=row["last_reason"],
        provider_ref=row["provider_ref"],
        finished_at=row["finished_at"],
    )
