import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notify.domain.rate_limit import TokenBucket


def test_burst_goes_at_once_then_the_rate_applies() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve(0.0) == pytest.approx(0.5)
    assert bucket.reserve(0.0) == pytest.approx(1.0)  # queued behind the previous caller


def test_refills_over_time_up_to_capacity() -> None:
    bucket = TokenBucket(rate=1.0, capacity=2, now=0.0)
    bucket.reserve(0.0)
    bucket.reserve(0.0)
    assert bucket.available(1.5) == pytest.approx(1.5)
    assert bucket.available(100.0) == pytest.approx(2.0)


def test_a_clock_stepping_back_mints_nothing() -> None:
    bucket = TokenBucket(rate=1.0, capacity=1, now=10.0)
    bucket.reserve(10.0)
    assert bucket.reserve(5.0) == pytest.approx(1.0)


def test_validation() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, capacity=1, now=0)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=0.5, now=0)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=2, now=0).reserve(0, tokens=3)


@given(
    rate=st.floats(0.5, 50),
    capacity=st.integers(1, 20),
    arrivals=st.lists(st.floats(0, 10), min_size=1, max_size=200),
)
def test_never_more_than_capacity_plus_rate_times_window(
    rate: float, capacity: int, arrivals: list[float]
) -> None:
    bucket = TokenBucket(rate=rate, capacity=capacity, now=0.0)
    go_times = sorted(t + bucket.reserve(t) for t in sorted(arrivals))
    for i, start in enumerate(go_times):
        for j in range(i, len(go_times)):
            window = go_times[j] - start
            assert j - i + 1 <= capacity + rate * window + 1e-6
