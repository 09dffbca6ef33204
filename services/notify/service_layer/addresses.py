"""Where a notification goes (收件地址), resolved at send time, never stored with it.

- calling systems: the subscription's endpoint and its live signing secrets (or the default
  webhook's, from settings); a deleted subscription is a permanent failure;
- officers and county commissions: the contact directory;
- reporters: intake, over its audited internal endpoint, just before the send.
What the database can answer is fetched inside the claim's transaction (`prefetch`); intake
is asked outside any transaction (`resolve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters import directory
from services.notify.adapters.intake_contacts import IntakeContacts, ReporterContact
from services.notify.adapters.secret_box import SecretUnreadable
from services.notify.adapters.subscription_store import SubscriptionStore
from services.notify.domain.notification import Channel, Notification, RecipientKind
from services.notify.domain.retry import SendResult
from services.notify.domain.subscriptions import Subscription
from services.notify.service_layer.default_webhook import DEFAULT_SUBSCRIPTION_ID, default_subscription
from services.notify.settings import NotifySettings


@dataclass(frozen=True, slots=True)
class Address:
    to: str
    signing_secrets: tuple[str, ...] = ()


Resolved = Address | SendResult


def _pick(channel: Channel, phone: str | None, email: str | None, who: str) -> Resolved:
    if channel is Channel.SMS:
        return Address(phone) if phone else SendResult.permanent(f"no mobile number on file for the {who}")
    if channel is Channel.EMAIL:
        return Address(email) if email else SendResult.permanent(f"no email address on file for the {who}")
    return SendResult.permanent(f"{channel} is not a channel for the {who}")


def _webhook(sub: Subscription | SecretUnreadable | None, now: datetime) -> Resolved:
    if sub is None:
        return SendResult.permanent("the subscription was deleted")
    if isinstance(sub, SecretUnreadable):
        return SendResult.permanent("no configured key decrypts the subscription's signing secret")
    secrets = sub.signing_secrets(now)
    if not secrets:
        return SendResult.permanent("the subscription has no live signing secret")
    return Address(sub.endpoint, secrets)


# Why notify reads a reporter's contact, in intake's audit vocabulary (ReadPurpose).
READ_PURPOSES = {"reporter.acceptance": "acceptance_notice", "reporter.result": "result_notice"}


class AddressBook:
    def __init__(self, settings: NotifySettings, store: SubscriptionStore, intake: IntakeContacts) -> None:
        self.store = store
        self.intake = intake
        self.default = default_subscription(settings)

    async def prefetch(
        self, session: AsyncSession, batch: Sequence[Notification], now: datetime
    ) -> dict[str, Resolved]:
        """Addresses the database holds, by notification key (reporters are not among them)."""
        out: dict[str, Resolved] = {}
        hooks = [n for n in batch if n.recipient.kind is RecipientKind.CALLING_SYSTEM]
        subs = await self.store.by_ids(
            session, sorted({n.recipient.ref for n in hooks} - {DEFAULT_SUBSCRIPTION_ID})
        )
        if self.default is not None:
            subs[DEFAULT_SUBSCRIPTION_ID] = self.default
        for n in hooks:
            out[n.key] = _webhook(subs.get(n.recipient.ref), now)
        people = await directory.addresses(session, [n.recipient for n in batch])
        for n in batch:
            kind = n.recipient.kind
            if kind in directory.DIRECTORY_KINDS:
                contact = people.get(n.recipient)
                who = "officer" if kind is RecipientKind.OFFICER else "county commission"
                out[n.key] = _pick(n.channel, contact.phone if contact else None,
                                   contact.email if contact else None, who)
        return out

    async def resolve(self, n: Notification) -> Resolved:
        """A reporter's address, from intake, at the moment of sending."""
        if n.recipient.kind is not RecipientKind.REPORTER:
            return SendResult.permanent(f"no address for a {n.recipient.kind} recipient")
        purpose = READ_PURPOSES.get(n.template_id, "acceptance_notice")
        found = await self.intake.lookup(n.recipient.ref, purpose)
        if not isinstance(found, ReporterContact):
            return found
        return _pick(n.channel, found.phone, found.email, "reporter")
