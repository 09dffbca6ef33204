from datetime import datetime, time, timedelta

import pytest

from services.notify.domain.delivery import (
    DEFAULT_LEASE,
    Delivery,
    DeliveryStatus,
    InvalidTransition,
    NotDue,
)
from services.notify.domain.notification import (
    Channel,
    EventRef,
    Notification,
    Recipient,
    RecipientKind,
)
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.retry import RetryPolicy, SendResult
from shared.events.catalog import NotificationDelivered, NotificationFailed
from tests.unit.notify.factories import CHINA

NOON = datetime(2025, 6, 2, 12, 0, tzinfo=CHINA)
POLICY = RetryPolicy(max_attempts=3, base=timedelta(seconds=10), cap=timedelta(minutes=5))
NIGHT = QuietHours(time(22, 0), time(8, 0))


def notification(channel: Channel = Channel.SMS, quiet: QuietHours | None = None) -> Notification:
    return Notification(
        key="k-1",
        event=EventRef("/supervision/ledger", "e-1", "t.v1"),
        recipient=Recipient(RecipientKind.OFFICER, "o-1"),
        channel=channel,
        template_id="officer.overdue",
        quiet_hours=quiet,
    )


def sending(now: datetime = NOON) -> Delivery:
    return Delivery.new(notification(), now).start_attempt(now)


def test_happy_path_emits_delivered_event() -> None:
    d = sending()
    assert (d.status, d.attempts, d.lease_until) == (
        DeliveryStatus.SENDING,
        1,
        NOON + DEFAULT_LEASE,
    )
    t = d.record(SendResult.accepted("gw-1"), 1, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.DELIVERED
    assert t.delivery.provider_ref == "gw-1"
    (event,) = t.events
    assert isinstance(event, NotificationDelivered)
    assert (event.notification_id, event.channel, event.recipient_kind, event.template) == (
        "k-1",
        "sms",
        "officer",
        "officer.overdue",
    )
    assert (event.cause_event_id, event.attempts, event.at) == ("e-1", 1, NOON)


def test_duplicate_counts_as_delivered() -> None:
    t = sending().record(SendResult.duplicate(), 1, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.DELIVERED
    assert len(t.events) == 1


def test_transient_schedules_a_retry_with_backoff() -> None:
    t = sending().record(SendResult.transient("HTTP 503"), 1, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.RETRY_SCHEDULED
    assert t.delivery.next_attempt_at == NOON + timedelta(seconds=5)
    assert t.delivery.last_reason == "HTTP 503"
    assert t.events == ()
    with pytest.raises(NotDue):
        t.delivery.start_attempt(NOON + timedelta(seconds=4))
    assert t.delivery.start_attempt(NOON + timedelta(seconds=5)).attempts == 2


def test_permanent_failure_goes_to_dead_letter_with_reason() -> None:
    t = sending().record(SendResult.permanent("HTTP 410"), 1, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.FAILED
    (event,) = t.events
    assert isinstance(event, NotificationFailed)
    assert event.reason == "HTTP 410"
    assert t.dead_letter is not None
    assert (t.dead_letter.key, t.dead_letter.reason, t.dead_letter.attempts) == (
        "k-1",
        "HTTP 410",
        1,
    )


def test_attempts_run_out() -> None:
    d = sending()
    now = NOON
    for attempt in (1, 2):
        d = d.record(SendResult.transient("timeout"), attempt, now, POLICY, 0.0).delivery
        d = d.start_attempt(now)
    t = d.record(SendResult.transient("timeout"), 3, now, POLICY, 0.0)
    assert t.delivery.status is DeliveryStatus.FAILED
    assert t.dead_letter is not None and "gave up after 3 attempts" in t.dead_letter.reason


def test_nothing_leaves_delivered() -> None:
    done = sending().record(SendResult.accepted(), 1, NOON, POLICY, 0.5).delivery
    with pytest.raises(InvalidTransition):
        done.start_attempt(NOON + timedelta(hours=1))
    with pytest.raises(InvalidTransition):
        done.requeue(NOON)
    again = done.record(SendResult.permanent("late error"), 1, NOON, POLICY, 0.5)
    assert again.delivery is done and again.events == ()
    second = done.record(SendResult.duplicate(), 1, NOON, POLICY, 0.5)
    assert second.delivery is done and second.events == ()  # no second Delivered event


def test_abandoned_attempt_is_taken_over_after_the_lease() -> None:
    # The sender died after the provider accepted and before it stored the status.
    d = sending()
    with pytest.raises(NotDue) as early:
        d.start_attempt(NOON + DEFAULT_LEASE - timedelta(seconds=1))
    assert early.value.due_at == NOON + DEFAULT_LEASE
    retaken = d.start_attempt(NOON + DEFAULT_LEASE)
    assert (retaken.status, retaken.attempts) == (DeliveryStatus.SENDING, 2)
    t = retaken.record(SendResult.duplicate(), 2, NOON + DEFAULT_LEASE, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.DELIVERED


def test_a_stale_failure_cannot_undo_a_later_attempt() -> None:
    retaken = sending().start_attempt(NOON + DEFAULT_LEASE)
    t = retaken.record(SendResult.transient("slow worker timed out"), 1, NOON, POLICY, 0.5)
    assert t.delivery is retaken


def test_a_late_success_wins_even_over_a_dead_letter() -> None:
    failed = sending().record(SendResult.permanent("HTTP 400"), 1, NOON, POLICY, 0.5).delivery
    t = failed.record(SendResult.accepted(), 1, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.DELIVERED


def test_results_for_attempts_never_started_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        sending().record(SendResult.accepted(), 2, NOON, POLICY, 0.5)
    with pytest.raises(InvalidTransition):
        Delivery.new(notification(), NOON).record(SendResult.accepted(), 0, NOON, POLICY, 0.5)


def test_requeue_from_dead_letter_gets_a_fresh_budget_and_new_attempt_numbers() -> None:
    d = sending()
    failed = d.record(SendResult.permanent("HTTP 404"), 1, NOON, POLICY, 0.5).delivery
    requeued = failed.requeue(NOON + timedelta(hours=1))
    assert requeued.status is DeliveryStatus.PENDING
    again = requeued.start_attempt(NOON + timedelta(hours=1))
    assert again.attempts == 2
    # attempt 2 is the first of the new round, so a transient error is retried, not final
    t = again.record(SendResult.transient("HTTP 503"), 2, NOON, POLICY, 0.5)
    assert t.delivery.status is DeliveryStatus.RETRY_SCHEDULED


def test_quiet_hours_defer_the_first_attempt_and_retries() -> None:
    evening = datetime(2025, 6, 2, 21, 59, 55, tzinfo=CHINA)
    d = Delivery.new(notification(quiet=NIGHT), evening)
    assert d.next_attempt_at == evening
    d = d.start_attempt(evening)
    t = d.record(SendResult.transient("HTTP 503"), 1, evening, POLICY, 0.9)  # +9 s -> 22:00:04
    assert t.delivery.next_attempt_at == datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)


def test_quiet_hours_are_checked_again_at_pick_up() -> None:
    d = Delivery.new(notification(quiet=NIGHT), NOON)
    late = datetime(2025, 6, 2, 23, 0, tzinfo=CHINA)
    with pytest.raises(NotDue) as refused:
        d.start_attempt(late)
    morning = datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)
    assert refused.value.due_at == morning
    assert d.postpone(late).next_attempt_at == morning


def test_created_in_quiet_hours_waits_for_morning() -> None:
    late = datetime(2025, 6, 2, 23, 0, tzinfo=CHINA)
    d = Delivery.new(notification(quiet=NIGHT), late)
    assert d.next_attempt_at == datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)
    assert d.due_at(late) == datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)


def test_long_reasons_are_cut() -> None:
    t = sending().record(SendResult.permanent("x" * 5000), 1, NOON, POLICY, 0.5)
    assert len(t.delivery.last_reason) == 500
