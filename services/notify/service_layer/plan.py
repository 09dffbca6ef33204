"""Turn domain events into the notifications they call for, in the consumer's transaction.

The consumer hands over every new event of a fetch at once (it has already recorded them as
processed in this transaction). For the whole fetch we remember reporters (ComplaintReceived),
load what routing needs (the reporters of closed problems, preferences, subscriptions) with one
query each, route every event with the domain, and insert all its notifications with one
statement, "on conflict do nothing" on the key: however often an event arrives, each
(event, recipient, channel) exists once. The statement count per fetch is fixed, so the cost per
event falls as fetches grow. Query-code notices (匿名举报人) are delivered by being stored, so
they are written delivered here and never reach a sender.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters import directory, reporter_refs
from services.notify.adapters.kept_notices import keep
from services.notify.adapters.notification_writes import insert_new
from services.notify.adapters.subscription_store import SubscriptionStore
from services.notify.domain.delivery import Delivery, Transition
from services.notify.domain.notification import Channel, EventRef, Notification
from services.notify.domain.retry import RetryPolicy, SendResult
from services.notify.domain.routing import Reporter, recipients_of, route
from services.notify.domain.status_changes import status_change_of
from services.notify.domain.subscriptions import Subscription
from services.notify.domain.templates import render
from services.notify.service_layer.default_webhook import default_subscription
from services.notify.settings import NotifySettings
from shared.consumer import in_trace_of
from shared.events.catalog import ComplaintReceived, Payload, ProblemStatusChanged
from shared.events.envelope import Envelope
from shared.outbox.writer import payload_rows, stage_rows

log = logging.getLogger(__name__)
SOURCE = "/supervision/notify"
QUERY_CODE_STORE = "query-code-store"
_SUBSCRIPTIONS = "notify.active_subscriptions"


@dataclass(frozen=True, slots=True)
class _Event:
    envelope: Envelope
    payload: Payload
    ref: EventRef
    at: datetime  # when it was planned: creation time of its rows, in event order


def _closed_complaints(payload: Payload) -> tuple[str, ...]:
    """Complaints whose reporters a result notice goes to (a problem closed)."""
    if isinstance(payload, ProblemStatusChanged) and payload.to_status == "closed":
        return tuple(payload.complaint_ids)
    return ()


def _reporters_of(known: Mapping[str, Reporter], payload: Payload) -> dict[str, Reporter]:
    """Only the event's own complaints: routing reads an empty list as "all it was given"."""
    return {cid: known[cid] for cid in _closed_complaints(payload) if cid in known}


class Planner:
    def __init__(self, settings: NotifySettings, store: SubscriptionStore, policy: RetryPolicy) -> None:
        self.store = store
        self.policy = policy
        self.default = default_subscription(settings)
        self.quiet_hours = settings.quiet_hours

    async def on_event(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        await self.on_events(session, [(env, payload)])

    async def on_events(self, session: AsyncSession, fetched: Sequence[tuple[Envelope, Payload]]) -> None:
        """Plan every event of a fetch, in order, in the caller's transaction."""
        events = [_Event(env, payload, EventRef.of(env), datetime.now(UTC)) for env, payload in fetched]
        if not events:
            return
        # Reporters first: a closure later in the same fetch finds the complaint received before it.
        await reporter_refs.remember(session, [
            (e.payload, e.at) for e in events if isinstance(e.payload, ComplaintReceived)])
        closed = {cid for e in events for cid in _closed_complaints(e.payload)}
        known = await reporter_refs.of_complaints(session, closed)
        reporters = [_reporters_of(known, e.payload) for e in events]
        people = [recipients_of(e.payload, r) for e, r in zip(events, reporters, strict=True)]
        preferences = await directory.preferences(session, {p for ps in people for p in ps}, self.quiet_hours)
        subscriptions = await self._subscriptions(session, events)
        planned = [
            (e, route(e.ref, e.payload, subscriptions=subscriptions, preferences=preferences, reporters=r))
            for e, r in zip(events, reporters, strict=True)
        ]
        await self._store(session, planned)

    async def _subscriptions(self, session: AsyncSession, events: Sequence[_Event]) -> list[Subscription]:
        if all(status_change_of(e.ref, e.payload) is None for e in events):
            return []  # no status change: no calling system sees any of them, no need to load them
        # Read once per transaction (the consumer applies a whole fetch in one): the batch is
        # routed against one view of the subscriptions, as if read at the batch's start.
        subs: list[Subscription] | None = session.info.get(_SUBSCRIPTIONS)
        if subs is None:
            subs = session.info[_SUBSCRIPTIONS] = await self.store.active(session)
        return [*subs, self.default] if self.default else subs

    async def _store(
        self, session: AsyncSession, planned: Sequence[tuple[_Event, Sequence[Notification]]]
    ) -> None:
        rows: list[tuple[Notification, Delivery, datetime]] = []
        stored: dict[str, tuple[_Event, Notification, Transition]] = {}
        for event, notifications in planned:
            for n in notifications:
                delivery = Delivery.new(n, event.at)
                if n.channel is Channel.QUERY_CODE:
                    accepted = SendResult.accepted(QUERY_CODE_STORE)
                    started = delivery.start_attempt(event.at)
                    transition = started.record(accepted, 1, event.at, self.policy, 0.0)
                    stored[n.key] = (event, n, transition)
                    delivery = transition.delivery
                rows.append((n, delivery, event.at))
        inserted = await insert_new(session, rows)
        # Only what this transaction inserted: a notice and its event exist once per key.
        kept = [(e, n, t) for key, (e, n, t) in stored.items() if key in inserted]
        if not kept:
            return
        await keep(session, [_notice(n, e.at) for e, n, _ in kept])
        by_event: dict[str, tuple[Envelope, list[Payload]]] = {}
        for e, _, t in kept:
            by_event.setdefault(e.envelope.id, (e.envelope, []))[1].extend(t.events)
        outbox_rows: list[dict[str, object]] = []
        for envelope, payloads in by_event.values():
            with in_trace_of(envelope):  # the delivered event continues the trace of its cause
                outbox_rows.extend(payload_rows(payloads, SOURCE))
        await stage_rows(session, outbox_rows)  # all of the fetch's in one statement


def _notice(n: Notification, now: datetime) -> dict[str, Any]:
    rendered = render(n.template_id, Channel.QUERY_CODE, n.variables)
    return {"key": n.key, "reporter_ref": n.recipient.ref, "complaint_id": n.variables.get("complaint_id"),
            "template_id": n.template_id, "title": rendered.subject or "", "body": rendered.body,
            "due_by": n.due_by, "created_at": now}

