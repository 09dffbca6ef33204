"""The provider interface every channel implements.

A provider makes one attempt and reports what happened as a SendResult; it never raises for
a delivery problem (refused, down, slow), only for a programming error. The message key is
the notification key and travels as the provider's idempotency key (webhook
`Idempotency-Key`, SMS gateway `client_ref`, email `Message-ID`), so a repeat after a crash
is recognised as a duplicate where the provider supports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendResult
from shared.logs import mask_personal_data

# Provider error texts can echo an address or a phone number; keep reasons short and ours.
MAX_DETAIL = 120


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    key: str
    channel: Channel
    to: str  # endpoint URL, mobile number, email address, or query-code reporter ref
    body: str
    subject: str | None = None
    attempt: int = 1
    signing_secrets: tuple[str, ...] = field(default=(), repr=False)


class Provider(Protocol):
    @property
    def channel(self) -> Channel: ...

    async def send(self, message: OutboundMessage) -> SendResult: ...


def check_channel(provider: Provider, message: OutboundMessage) -> None:
    if message.channel is not provider.channel:
        raise ValueError(f"{provider.channel} provider got a {message.channel} message")


def short(detail: str) -> str:
    """A single line of at most MAX_DETAIL characters, for reasons that get stored, and go on
    Kafka in NotificationFailed: a provider's text is not ours, so control characters (which
    PostgreSQL refuses) are dropped and a phone number or address it echoes is masked."""
    printable = "".join(ch if ch.isprintable() else " " for ch in detail)
    line = mask_personal_data(" ".join(printable.split()))
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"
