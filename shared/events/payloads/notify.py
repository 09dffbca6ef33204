"""Events published by the notify service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.events.payloads.base import PREFIX, Payload
from shared.events.topics import NOTIFICATIONS, Topic


class NotificationDelivered(Payload):
    TYPE: ClassVar[str] = f"{PREFIX}.notify.notification.delivered.v1"
    TOPIC: ClassVar[Topic] = NOTIFICATIONS

    notification_id: str
    channel: str
    recipient_kind: str
    template: str
    cause_event_id: str
    attempts: int
    at: datetime

    def subject(self) -> str:
        return self.notification_id


class NotificationFailed(Payload):
    TYPE: ClassVar[str] = f"{PREFIX}.notify.notification.failed.v1"
    TOPIC: ClassVar[Topic] = NOTIFICATIONS

    notification_id: str
    channel: str
    recipient_kind: str
    template: str
    cause_event_id: str
    attempts: int
    reason: str
    at: datetime

    def subject(self) -> str:
        return self.notification_id


PAYLOADS: tuple[type[Payload], ...] = (
    NotificationDelivered,
    NotificationFailed,
)
