from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notify.domain.retry import (
    DecisionKind,
    RetryPolicy,
    SendOutcome,
    SendResult,
    classify_http_status,
    http_result,
    parse_retry_after,
)

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, SendOutcome.ACCEPTED),
        (202, SendOutcome.ACCEPTED),
        (204, SendOutcome.ACCEPTED),
        (408, SendOutcome.TRANSIENT),
        (429, SendOutcome.TRANSIENT),
        (500, SendOutcome.TRANSIENT),
        (502, SendOutcome.TRANSIENT),
        (503, SendOutcome.TRANSIENT),
        (400, SendOutcome.PERMANENT),
        (401, SendOutcome.PERMANENT),
        (403, SendOutcome.PERMANENT),
        (404, SendOutcome.PERMANENT),
        (410, SendOutcome.PERMANENT),
        (422, SendOutcome.PERMANENT),
        (301, SendOutcome.PERMANENT),
        (302, SendOutcome.PERMANENT),
        (101, SendOutcome.PERMANENT),
    ],
)
def test_http_classification(status: int, outcome: SendOutcome) -> None:
    assert classify_http_status(status) is outcome


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Tue, 30 Sep 2025 02:01:30 GMT", NOW) == timedelta(seconds=90)
    assert parse_retry_after("Tue, 30 Sep 2025 01:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_429_carries_retry_after_into_the_result() -> None:
    result = http_result(429, now=NOW, retry_after="30")
    assert result.outcome is SendOutcome.TRANSIENT
    assert result.retry_after == timedelta(seconds=30)
    assert result.reason == "HTTP 429"


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(base=timedelta(seconds=5), cap=timedelta(seconds=60))
    assert policy.backoff(1, 0.0) == timedelta(0)
    assert policy.backoff(1, 0.5) == timedelta(seconds=2.5)
    assert policy.backoff(3, 0.5) == timedelta(seconds=10)  # ceiling 5 * 2^2 = 20
    assert policy.backoff(10, 0.5) == timedelta(seconds=30)  # capped at 60
    assert policy.backoff(10_000, 0.999) < timedelta(seconds=60)


@given(attempt=st.integers(1, 500), draw=st.floats(0.0, 1.0, exclude_max=True))
def test_backoff_never_exceeds_cap_or_goes_negative(attempt: int, draw: float) -> None:
    policy = RetryPolicy()
    delay = policy.backoff(attempt, draw)
    assert timedelta(0) <= delay <= policy.cap


@pytest.mark.parametrize("draw", [-0.1, 1.0])
def test_draw_must_be_a_unit_interval_sample(draw: float) -> None:
    with pytest.raises(ValueError):
        RetryPolicy().backoff(1, draw)


def test_success_and_duplicate_are_delivered() -> None:
    policy = RetryPolicy()
    assert policy.decide(SendResult.accepted(), 1, NOW, 0.5).kind is DecisionKind.DELIVERED
    assert policy.decide(SendResult.duplicate(), 4, NOW, 0.5).kind is DecisionKind.DELIVERED


def test_permanent_gives_up_at_once_with_the_reason() -> None:
    decision = RetryPolicy().decide(SendResult.permanent("HTTP 410"), 1, NOW, 0.5)
    assert decision.kind is DecisionKind.GIVE_UP
    assert decision.reason == "HTTP 410"


def test_transient_retries_until_attempts_run_out() -> None:
    policy = RetryPolicy(max_attempts=3)
    error = SendResult.transient("HTTP 503")
    first = policy.decide(error, 1, NOW, 0.5)
    assert first.kind is DecisionKind.RETRY
    assert first.retry_at == NOW + policy.backoff(1, 0.5)
    last = policy.decide(error, 3, NOW, 0.5)
    assert last.kind is DecisionKind.GIVE_UP
    assert last.reason == "gave up after 3 attempts; last: HTTP 503"


def test_retry_after_is_a_floor_and_has_a_ceiling() -> None:
    policy = RetryPolicy(max_retry_after=timedelta(minutes=10))
    asked = SendResult.transient("HTTP 429", retry_after=timedelta(seconds=90))
    assert policy.decide(asked, 1, NOW, 0.0).retry_at == NOW + timedelta(seconds=90)
    greedy = SendResult.transient("HTTP 429", retry_after=timedelta(days=3))
    assert policy.decide(greedy, 1, NOW, 0.0).retry_at == NOW + timedelta(minutes=10)


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=5))
