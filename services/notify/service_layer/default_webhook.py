"""The operator's default webhook (DEFAULT_WEBHOOK_URL): a subscription configured in settings.

It goes through the same routing, signing and delivery as a calling system's subscription,
under the reserved id "default" (registered subscriptions have UUIDs).
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.notify.domain.subscriptions import SigningSecret, Subscription, SubscriptionFilter
from services.notify.settings import NotifySettings

DEFAULT_SUBSCRIPTION_ID = "default"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def default_subscription(settings: NotifySettings) -> Subscription | None:
    if not settings.default_webhook_url:
        return None
    return Subscription(
        id=DEFAULT_SUBSCRIPTION_ID,
        system="operator",
        endpoint=settings.default_webhook_url,
        filter=SubscriptionFilter(area_prefixes=frozenset(settings.default_webhook_area_prefixes)),
        secrets=(SigningSecret(value=settings.default_webhook_secret, created_at=_EPOCH),),
    )
