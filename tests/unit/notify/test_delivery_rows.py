"""A notification and its delivery survive the trip through a `notifications` row."""

from __future__ import annotations

from datetime import timedelta

from services.notify.adapters.deliveries import delivery_of, new_row, notification_of, state_values, wake_at
from services.notify.domain.delivery import Delivery, DeliveryStatus
from services.notify.domain.retry import RetryPolicy, SendResult
from services.notify.domain.routing import route
from tests.unit.notify.factories import T0, ref, team_assigned


def stored() -> tuple[object, Delivery, dict[str, object]]:
    payload = team_assigned("o-1")
    (n,) = route(ref(payload), payload)
    d = Delivery.new(n, T0)
    return n, d, new_row(n, d, T0)


def test_round_trip_keeps_quiet_hours_and_state() -> None:
    n, d, row = stored()
    assert notification_of(row) == n
    assert delivery_of(row) == d
    assert row["wake_at"] == d.next_attempt_at  # the quiet window's end, not T0


def test_wake_at_follows_the_state() -> None:
    _, d, _ = stored()
    now = d.next_attempt_at
    assert now is not None
    sending = d.start_attempt(now, timedelta(seconds=30))
    assert wake_at(sending) == now + timedelta(seconds=30)  # taken over if not recorded by then
    retry = sending.record(SendResult.transient("HTTP 503"), 1, now, RetryPolicy(), 0.5).delivery
    assert retry.status is DeliveryStatus.RETRY_SCHEDULED and wake_at(retry) == retry.next_attempt_at
    done = sending.record(SendResult.accepted(), 1, now, RetryPolicy(), 0.5).delivery
    assert wake_at(done) is None and state_values(done, now)["wake_at"] is None
