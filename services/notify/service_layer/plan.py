"""Turn a domain event into the notifications it calls for, in the consumer's transaction.

The consumer has already recorded the event as processed in this transaction; here we remember
reporters (ComplaintReceived), load what routing needs (preferences, subscriptions, the
reporters of a closed problem), route with the domain, and insert one row per notification
with "on conflict do nothing" on its key: however often an event arrives, each
(event, recipient, channel) exists once. Query-code notices (匿名举报人) are delivered by
being stored, so they are written delivered here and never reach a sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters import directory
from services.notify.adapters.deliveries import new_row
from services.notify.adapters.subscription_store import SubscriptionStore
from services.notify.adapters.tables import notices, notifications, reporters
from services.notify.domain.delivery import Delivery, Transition
from services.notify.domain.notification import Channel, EventRef, Notification
from services.notify.domain.retry import RetryPolicy, SendResult
from services.notify.domain.routing import Reporter, recipients_of, route
from services.notify.domain.status_changes import status_change_of
from services.notify.domain.subscriptions import Subscription
from services.notify.domain.templates import render
from services.notify.service_layer.default_webhook import default_subscription
from services.notify.settings import NotifySettings
from shared.events.catalog import ComplaintReceived, Payload, ProblemStatusChanged
from shared.events.envelope import Envelope
from shared.outbox.writer import stage

SOURCE = "/supervision/notify"
QUERY_CODE_STORE = "query-code-store"
ANONYMOUS = "anonymous"
_SUBSCRIPTIONS = "notify.active_subscriptions"
# One statement, run with a parameter set per row: compiled once, not once per event.
_INSERT_NEW = pg_insert(notifications).on_conflict_do_nothing().returning(notifications.c.key)


class Planner:
    def __init__(self, settings: NotifySettings, store: SubscriptionStore, policy: RetryPolicy) -> None:
        self.store = store
        self.policy = policy
        self.default = default_subscription(settings)
        self.quiet_hours = settings.quiet_hours

    async def on_event(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        now = datetime.now(UTC)
        event = EventRef.of(env)
        if isinstance(payload, ComplaintReceived):
            await _remember_reporter(session, payload, now)
        known = await _reporters_of_closure(session, payload)
        people = recipients_of(payload, known)
        planned = route(
            event,
            payload,
            subscriptions=await self._subscriptions(session, event, payload),
            preferences=await directory.preferences(session, people, self.quiet_hours),
            reporters=known,
        )
        await self._store(session, planned, now)

    async def _subscriptions(
        self, session: AsyncSession, event: EventRef, payload: Payload
    ) -> list[Subscription]:
        if status_change_of(event, payload) is None:
            return []  # not a status change: no calling system sees it, no need to load them
        # Read once per transaction (the consumer applies a whole fetch in one): the batch is
        # routed against one view of the subscriptions, as if read at the batch's start.
        subs: list[Subscription] | None = session.info.get(_SUBSCRIPTIONS)
        if subs is None:
            subs = session.info[_SUBSCRIPTIONS] = await self.store.active(session)
        return [*subs, self.default] if self.default else subs

    async def _store(self, session: AsyncSession, planned: Sequence[Notification], now: datetime) -> None:
        if not planned:
            return
        deliveries: dict[str, Delivery] = {}
        stored: dict[str, Transition] = {}
        for n in planned:
            delivery = Delivery.new(n, now)
            if n.channel is Channel.QUERY_CODE:
                accepted = SendResult.accepted(QUERY_CODE_STORE)
                stored[n.key] = delivery.start_attempt(now).record(accepted, 1, now, self.policy, 0.0)
                delivery = stored[n.key].delivery
            deliveries[n.key] = delivery
        rows = [new_row(n, deliveries[n.key], now) for n in planned]
        inserted = set((await session.scalars(_INSERT_NEW, rows)).all())
        for n in planned:
            transition = stored.get(n.key)
            if transition is not None and n.key in inserted:
                await _keep_notice(session, n, now)
                for event in transition.events:
                    await stage(session, event, SOURCE)


async def _remember_reporter(session: AsyncSession, complaint: ComplaintReceived, now: datetime) -> None:
    """Only the opaque ref and the mode: the result notice needs to know whom, and how."""
    await session.execute(
        pg_insert(reporters)
        .values(complaint_id=complaint.complaint_id, reporter_ref=complaint.reporter_ref,
                mode=complaint.reporter_mode, recorded_at=now)
        .on_conflict_do_nothing()
    )


async def _reporters_of_closure(session: AsyncSession, payload: Payload) -> dict[str, Reporter]:
    if not isinstance(payload, ProblemStatusChanged) or payload.to_status != "closed":
        return {}
    rows = (await session.execute(
        sa.select(reporters).where(reporters.c.complaint_id.in_(payload.complaint_ids))
    )).all()
    return {r.complaint_id: Reporter(ref=r.reporter_ref, anonymous=r.mode == ANONYMOUS) for r in rows}


async def _keep_notice(session: AsyncSession, n: Notification, now: datetime) -> None:
    rendered = render(n.template_id, Channel.QUERY_CODE, n.variables)
    await session.execute(
        pg_insert(notices)
        .values(key=n.key, reporter_ref=n.recipient.ref, complaint_id=n.variables.get("complaint_id"),
                template_id=n.template_id, title=rendered.subject or "", body=rendered.body,
                due_by=n.due_by, created_at=now)
        .on_conflict_do_nothing()
    )

