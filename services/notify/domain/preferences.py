"""Recipient preferences (接收偏好): which channels, and quiet hours (免打扰时段) for SMS.

Preferences choose among channels a kind of recipient may use; they never turn a notice off.
Officers and reporters must be told, so an empty or unusable choice falls back to the
default for that kind. Quiet hours apply to SMS only and never to urgent notices (逾期、
提级督办): an SMS due at 23:00 waits until the quiet period ends, in China time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from services.notify.domain.notification import Channel, RecipientKind
from services.notify.domain.quiet_hours import QuietHours

DEFAULT_QUIET_HOURS = QuietHours(start=time(22, 0), end=time(8, 0))

# Which channels each kind of person may choose. Calling systems only ever get webhooks and
# anonymous reporters only ever get stored notices; routing forces those, not preferences.
ALLOWED_CHANNELS: dict[RecipientKind, frozenset[Channel]] = {
    RecipientKind.OFFICER: frozenset({Channel.SMS, Channel.EMAIL}),
    RecipientKind.COUNTY: frozenset({Channel.SMS, Channel.EMAIL}),
    RecipientKind.REPORTER: frozenset({Channel.SMS, Channel.EMAIL, Channel.QUERY_CODE}),
    RecipientKind.CALLING_SYSTEM: frozenset({Channel.WEBHOOK}),
}


@dataclass(frozen=True, slots=True)
class Preferences:
    channels: tuple[Channel, ...]
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS


DEFAULT_PREFERENCES: dict[RecipientKind, Preferences] = {
    RecipientKind.OFFICER: Preferences(channels=(Channel.SMS,)),
    RecipientKind.COUNTY: Preferences(channels=(Channel.EMAIL,)),
    RecipientKind.REPORTER: Preferences(channels=(Channel.SMS,)),
    RecipientKind.CALLING_SYSTEM: Preferences(channels=(Channel.WEBHOOK,), quiet_hours=None),
}


def effective_preferences(kind: RecipientKind, chosen: Preferences | None) -> Preferences:
    """The recipient's choice, cut to what the kind allows; the default if nothing is left."""
    default = DEFAULT_PREFERENCES[kind]
    if chosen is None:
        return default
    allowed = ALLOWED_CHANNELS[kind]
    channels = tuple(dict.fromkeys(c for c in chosen.channels if c in allowed))
    if not channels:
        return Preferences(channels=default.channels, quiet_hours=chosen.quiet_hours)
    return Preferences(channels=channels, quiet_hours=chosen.quiet_hours)


def quiet_hours_for(channel: Channel, urgent: bool, prefs: Preferences) -> QuietHours | None:
    """The window a message must avoid, if any: SMS only, never for urgent notices."""
    if channel is not Channel.SMS or urgent:
        return None
    return prefs.quiet_hours
