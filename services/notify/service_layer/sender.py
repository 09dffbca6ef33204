"""Deliver due notifications (发送): claim, send with the key as idempotency key, record.

Per channel, one loop claims due rows (`FOR UPDATE SKIP LOCKED`, so several senders share the
work) and stores `sending` with a lease *before* any provider hears of them; the sends then
run concurrently (up to SENDER_CONCURRENCY per channel, so a slow SMS gateway never holds up
webhooks) and their outcomes are recorded through the domain's `Delivery.record`, which also
yields the NotificationDelivered / NotificationFailed events and the dead letter (staged in the
same transaction). Outcomes are group-committed: whatever finished while the previous write ran
goes in the next transaction, with a fixed number of statements for all of it.

A loop sleeps on its channel's wake-up (the insert trigger NOTIFYs `notifications_due_<channel>`
when the planner's transaction commits rows due now), so a planned webhook is picked up at once;
the poll only finds retries and rows that waited out quiet hours.

Sent once across crashes: if this process dies after a provider accepted and before the
outcome was written (failpoint `sender.after_provider_accept`), the row stays `sending` until
its lease ends, another attempt goes out under the same key, the provider answers "duplicate",
and that counts as delivered. Email is the exception: SMTP has no idempotency key, so a crash
in that window can deliver a second copy (with the same Message-ID, which mail systems can
deduplicate on).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notify.adapters.deliveries import delivery_of, notification_of, state_values
from services.notify.adapters.notification_writes import update_if_ours, update_states
from services.notify.adapters.providers.base import Provider
from services.notify.adapters.providers.compose import compose
from services.notify.adapters.tables import dead_letters, notifications
from services.notify.domain.delivery import Delivery, DeliveryStatus, InvalidTransition, NotDue, Transition
from services.notify.domain.notification import Channel, Notification
from services.notify.domain.retry import RetryPolicy, SendResult
from services.notify.domain.templates import TemplateError
from services.notify.service_layer.addresses import AddressBook, Resolved
from services.notify.service_layer.group_commit import GroupCommit
from services.notify.service_layer.plan import SOURCE
from services.notify.settings import NotifySettings
from shared.faults import failpoint
from shared.outbox.writer import stage_many
from shared.wakeup import Wakeup

log = logging.getLogger(__name__)
WAKEUP_CHANNEL = "notifications_due"


def wakeup_channel(channel: Channel) -> str:
    """What the insert trigger (migration 0002) NOTIFYs when `channel` has new rows due."""
    return f"{WAKEUP_CHANNEL}_{channel.value}"


@dataclass(frozen=True, slots=True)
class Claimed:
    notification: Notification
    started: Delivery  # the row as the claim stored it: `sending`, this attempt, this lease
    address: Resolved | None = None  # None: resolved at send time (reporters, through intake)

    @property
    def key(self) -> str:
        return self.notification.key

    @property
    def attempt(self) -> int:
        return self.started.attempts


Outcome = tuple[Claimed, SendResult]


def _now() -> datetime:
    return datetime.now(UTC)


def _letter(transition: Transition, delivery: Delivery) -> dict[str, Any] | None:
    letter = transition.dead_letter
    if letter is None:
        return None
    return {
        "notification_key": letter.key, "channel": letter.channel.value,
        "recipient_kind": delivery.recipient_kind.value, "template_id": delivery.template_id,
        "reason": letter.reason, "attempts": letter.attempts, "failed_at": letter.failed_at,
    }


class _Lane:
    """The sends in flight on one channel, bounded."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.freed = asyncio.Event()

    def room(self) -> int:
        return self.capacity - self.in_flight

    def spawn(self, size: int, work: Awaitable[None]) -> None:
        self.in_flight += size

        async def run() -> None:
            try:
                await work
            finally:
                self.in_flight -= size
                self.freed.set()

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def wait_for_room(self, stop: asyncio.Event) -> None:
        self.freed.clear()
        waiters = {asyncio.ensure_future(self.freed.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


class Sender:
    def __init__(
        self,
        settings: NotifySettings,
        sessions: async_sessionmaker[AsyncSession],
        providers: Mapping[Channel, Provider],
        addresses: AddressBook,
        policy: RetryPolicy,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.providers = providers
        self.addresses = addresses
        self.policy = policy
        self.lease = timedelta(seconds=settings.sender_lease_seconds)
        self.sends = Counter("notify_sends", "Provider answers per channel", ["channel", "outcome"],
                             registry=registry) if registry is not None else None
        self.recorder: GroupCommit[Outcome] = GroupCommit(self.record)

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._channel_loop(channel, stop) for channel in self.providers))

    def _capacity(self, channel: Channel) -> int:
        if channel is Channel.WEBHOOK:
            # No more webhooks in flight than the client has connections: the rest would queue
            # inside httpcore, whose pool matches every queued request against every connection
            # whenever one changes (CPU quadratic in the backlog), while their leases run down.
            # Left in the table, they are claimed as connections free up.
            return min(self.settings.sender_concurrency, self.settings.webhook_max_connections)
        return self.settings.sender_concurrency

    async def _channel_loop(self, channel: Channel, stop: asyncio.Event) -> None:
        lane = _Lane(self._capacity(channel))
        poll = self.settings.sender_poll_seconds
        async with Wakeup(self.settings.asyncpg_dsn, wakeup_channel(channel), poll) as wake:
            try:
                while not stop.is_set():
                    room = lane.room()
                    if room <= 0:
                        await lane.wait_for_room(stop)
                        continue
                    wanted = min(room, self.settings.sender_batch)
                    try:
                        claimed, examined = await self.claim(channel, wanted)
                    except Exception:
                        log.exception("claiming failed", extra={"channel": channel.value})
                        claimed, examined = [], 0
                        await asyncio.sleep(1.0)
                    if claimed:
                        lane.spawn(len(claimed), self.send_batch(claimed))
                    if examined < wanted:
                        await wake.wait(stop)  # nothing more due: sleep until an insert or the poll
            finally:
                await lane.drain()  # let sends in flight record their outcome

    async def claim(self, channel: Channel, limit: int) -> tuple[list[Claimed], int]:
        """Due rows of `channel` marked `sending` under a lease; (claimed, rows examined)."""
        now = _now()
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(
                sa.select(notifications)
                .where(notifications.c.channel == channel.value, notifications.c.wake_at <= now)
                .order_by(notifications.c.wake_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )).mappings().all()
            updates: list[dict[str, Any]] = []
            claimed: list[Claimed] = []
            for row in rows:
                delivery = delivery_of(row)
                try:
                    started = delivery.start_attempt(now, self.lease)
                except NotDue as not_due:
                    # Quiet hours (免打扰) found at pick-up: wait for their end.
                    sending = delivery.status is DeliveryStatus.SENDING
                    waiting = delivery if sending else delivery.postpone(now)
                    values = {**state_values(waiting, now), "wake_at": not_due.due_at}
                    updates.append({"key": row["key"], **values})
                    continue
                except InvalidTransition:
                    updates.append({"key": row["key"], **state_values(delivery, now)})  # final: unschedule
                    continue
                updates.append({"key": row["key"], **state_values(started, now)})
                claimed.append(Claimed(notification_of(row), started))
            await update_states(session, updates)
            known = await self.addresses.prefetch(session, [c.notification for c in claimed], now)
        return [replace(c, address=known.get(c.key)) for c in claimed], len(rows)

    async def send_batch(self, batch: Sequence[Claimed]) -> None:
        results = await asyncio.gather(*(self._send(c) for c in batch))
        for result in results:
            if result.outcome.succeeded:
                failpoint("sender.after_provider_accept")
        try:
            await self.recorder.submit(list(zip(batch, results, strict=True)))
        except Exception:
            # Not recorded: the leases run out and the attempts are taken over; the providers
            # answer "duplicate" for what they already accepted.
            log.exception("recording outcomes failed", extra={"count": len(batch)})

    async def _send(self, claimed: Claimed) -> SendResult:
        n = claimed.notification
        address = claimed.address if claimed.address is not None else await self.addresses.resolve(n)
        if isinstance(address, SendResult):
            result = address
        else:
            try:
                message = compose(n, claimed.attempt, to=address.to, signing_secrets=address.signing_secrets,
                                  sms_max_segments=self.settings.sms_max_segments)
            except TemplateError as exc:
                result = SendResult.permanent(f"cannot render: {exc}")
            else:
                try:
                    result = await self.providers[n.channel].send(message)
                except Exception as exc:
                    # A provider bug must not kill the lane; bounded retries end in a dead letter.
                    log.exception("provider raised", extra={"channel": n.channel.value})
                    result = SendResult.transient(f"provider error: {type(exc).__name__}")
        if self.sends is not None:
            self.sends.labels(n.channel.value, result.outcome.value).inc()
        return result

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Apply each provider answer to its attempt, with events and dead letters, in one transaction.

        Normally the row is still what the claim stored, so the answer is applied to that and
        written with one guarded statement for the whole batch; rows changed meanwhile (a lease
        ran out and the attempt was taken over) are read under lock and decided on what they hold.
        """
        now = _now()
        outcomes = sorted(outcomes, key=lambda o: o[0].key)  # one lock order for every sender
        async with self.sessions() as session, session.begin():
            decided = [(c, c.started.record(r, c.attempt, now, self.policy, random.random()))
                       for c, r in outcomes]
            ours = await update_if_ours(session, [(c.started, t.delivery) for c, t in decided], now)
            applied = [(c.started, t) for c, t in decided if c.key in ours]
            others = [(c, r) for c, r in outcomes if c.key not in ours]
            if others:
                applied += await self._record_on_rows(session, others, now)
            events = [e for _, t in applied for e in t.events]
            letters = [letter for d, t in applied if (letter := _letter(t, d)) is not None]
            await stage_many(session, events, SOURCE)
            if letters:
                await session.execute(dead_letters.insert(), letters)

    async def _record_on_rows(
        self, session: AsyncSession, outcomes: Sequence[Outcome], now: datetime
    ) -> list[tuple[Delivery, Transition]]:
        rows = {
            r["key"]: r for r in (await session.execute(
                sa.select(notifications)
                .where(notifications.c.key.in_([c.key for c, _ in outcomes]))
                .order_by(notifications.c.key)
                .with_for_update()
            )).mappings()
        }
        updates: list[dict[str, Any]] = []
        applied: list[tuple[Delivery, Transition]] = []
        for claimed, result in outcomes:
            row = rows.get(claimed.key)
            if row is None:
                continue
            delivery = delivery_of(row)
            try:
                transition = delivery.record(result, claimed.attempt, now, self.policy, random.random())
            except InvalidTransition:
                log.warning("outcome of an unknown attempt ignored", extra={"key": claimed.key})
                continue
            if transition.delivery != delivery:
                updates.append({"key": claimed.key, **state_values(transition.delivery, now)})
            applied.append((delivery, transition))
        await update_states(session, updates)
        return applied
