"""Notifications (通知): who is told what, over which channel, under which key.

A notification is identified by its key, derived only from (event source + id, recipient,
channel). The same event routed twice - after a crash, a redelivery from Kafka, a second
consumer - yields the same keys, and the key is handed to every provider as its idempotency
key. That is what makes "sent once per (event, recipient, channel)" hold end to end.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from services.notify.domain.quiet_hours import QuietHours
from shared.events.envelope import Envelope

# Fixed namespace so keys are stable across processes, hosts and releases. Never change it:
# every key already handed to a provider would stop deduplicating.
_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:zhangzhou-supervision:notify:notification")


class Channel(StrEnum):
    """Delivery channel (通知渠道)."""

    WEBHOOK = "webhook"  # 回调推送 (calling systems)
    SMS = "sms"  # 短信
    EMAIL = "email"  # 电子邮件
    QUERY_CODE = "query_code"  # 查询码查阅: stored for lookup, never pushed (anonymous reporters)

    @property
    def is_push(self) -> bool:
        """False for notices that are only stored and read back with a query code."""
        return self is not Channel.QUERY_CODE


class RecipientKind(StrEnum):
    """Kind of recipient (接收方类型)."""

    OFFICER = "officer"  # 承办人员 (assigned discipline officer)
    COUNTY = "county"  # 县纪委监委 (county commission, ref = 6-digit county code)
    REPORTER = "reporter"  # 举报人/信访人 (ref is opaque, never a name or phone number)
    CALLING_SYSTEM = "calling_system"  # 对接系统 (ref = subscription id)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A recipient by reference only; contact details are resolved at send time."""

    kind: RecipientKind
    ref: str

    def __post_init__(self) -> None:
        if not self.ref or self.ref != self.ref.strip():
            raise ValueError(f"recipient ref must be a non-empty trimmed string: {self.ref!r}")


@dataclass(frozen=True, slots=True)
class EventRef:
    """The domain event that caused a notification (CloudEvents source + id)."""

    source: str
    id: str
    type: str

    @classmethod
    def of(cls, envelope: Envelope) -> EventRef:
        return cls(source=envelope.source, id=envelope.id, type=envelope.type)


def notification_key(event: EventRef, recipient: Recipient, channel: Channel) -> str:
    """Deterministic key for (event, recipient, channel); a UUID so every provider accepts it.

    The name is a JSON array, so no choice of separator can make two different tuples collide.
    """
    name = json.dumps(
        [event.source, event.id, recipient.kind.value, recipient.ref, channel.value],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return str(uuid.uuid5(_KEY_NAMESPACE, name))


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one recipient over one channel (一条通知).

    `due_by` is the legal deadline for reporter notices (受理告知/结果告知, 15 working days);
    `due_by_estimated` is True when the holiday calendar did not cover that year and the date
    was counted on weekdays only.
    `quiet_hours` is the window this message must not go out in (non-urgent SMS only); every
    attempt, first or retry, is pushed past it.
    """

    key: str
    event: EventRef
    recipient: Recipient
    channel: Channel
    template_id: str
    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    urgent: bool = False
    due_by: date | None = None
    due_by_estimated: bool = False
    quiet_hours: QuietHours | None = None

    def __post_init__(self) -> None:
        # Freeze the variables: a notification is a value, shared between threads and retries.
        object.__setattr__(self, "variables", MappingProxyType(dict(self.variables)))
