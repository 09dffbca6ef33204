"""Notifications for provider tests, routed by the real domain from catalog events."""

from __future__ import annotations

from services.notify.domain.notification import Channel, Notification, RecipientKind
from services.notify.domain.routing import route
from tests.unit.notify.factories import SECRET, complaint, ref, status_changed, subscription


def webhook_notification(event_id: str = "evt-hook-1") -> Notification:
    payload = status_changed()
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    (hook,) = [
        n
        for n in route(ref(payload, event_id), payload, subscriptions=[sub])
        if n.recipient.kind is RecipientKind.CALLING_SYSTEM
    ]
    return hook


def reporter_notification(channel: Channel, event_id: str = "evt-rep-1") -> Notification:
    from services.notify.domain.notification import Recipient
    from services.notify.domain.preferences import Preferences

    payload = complaint()
    # No quiet hours: these tests run at any hour and must not wait for 08:00 China time.
    prefs = {
        Recipient(RecipientKind.REPORTER, "rep-7f3a"): Preferences((channel,), quiet_hours=None)
    }
    (notice,) = route(ref(payload, event_id), payload, preferences=prefs)
    return notice


__all__ = ["SECRET", "reporter_notification", "webhook_notification"]
