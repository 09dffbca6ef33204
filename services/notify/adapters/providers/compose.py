"""From a routed notification to the message one attempt sends.

The service layer resolves the address (endpoint, phone, email) from its own tables at send
time, so addresses never sit in events or in the notification itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.notify.adapters.providers.base import OutboundMessage
from services.notify.domain.notification import Channel, Notification
from services.notify.domain.status_changes import webhook_body
from services.notify.domain.templates import DEFAULT_SMS_MAX_SEGMENTS, render


def compose(
    notification: Notification,
    attempt: int,
    *,
    to: str,
    signing_secrets: Sequence[str] = (),
    sms_max_segments: int = DEFAULT_SMS_MAX_SEGMENTS,
) -> OutboundMessage:
    """The message for attempt number `attempt`; raises TemplateError if it cannot render."""
    if notification.channel is Channel.WEBHOOK:
        subject, body = None, webhook_body(notification, attempt).decode("utf-8")
    else:
        rendered = render(
            notification.template_id,
            notification.channel,
            notification.variables,
            sms_max_segments=sms_max_segments,
        )
        subject, body = rendered.subject, rendered.body
    return OutboundMessage(
        key=notification.key,
        channel=notification.channel,
        to=to,
        body=body,
        subject=subject,
        attempt=attempt,
        signing_secrets=tuple(signing_secrets),
    )
