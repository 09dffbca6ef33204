"""The rate-limit wrapper, with a fake clock: waits are computed, not timed."""

from __future__ import annotations

import asyncio

import pytest

from services.notify.adapters.providers.base import OutboundMessage
from services.notify.adapters.providers.rate_limited import RateLimitedProvider
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendResult


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    @property
    def channel(self) -> Channel:
        return Channel.SMS

    async def send(self, message: OutboundMessage) -> SendResult:
        self.sent.append(message.key)
        return SendResult.accepted()


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def msg(key: str) -> OutboundMessage:
    return OutboundMessage(key=key, channel=Channel.SMS, to="13800000000", body="x")


@pytest.mark.asyncio
async def test_waits_only_beyond_the_burst_and_keeps_arrival_order() -> None:
    inner, fake = Recorder(), FakeTime()
    limited = RateLimitedProvider(inner, per_second=10, burst=2, clock=fake.clock, sleep=fake.sleep)
    results = await asyncio.gather(*(limited.send(msg(f"k{i}")) for i in range(5)))
    assert all(r.outcome.succeeded for r in results)
    assert inner.sent == ["k0", "k1", "k2", "k3", "k4"]
    assert fake.sleeps == pytest.approx([0.1, 0.2, 0.3])
    assert limited.channel is Channel.SMS


@pytest.mark.asyncio
async def test_no_wait_when_the_rate_is_respected() -> None:
    inner, fake = Recorder(), FakeTime()
    limited = RateLimitedProvider(inner, per_second=2, clock=fake.clock, sleep=fake.sleep)
    for i in range(3):
        await limited.send(msg(f"k{i}"))
        fake.now += 0.5
    assert fake.sleeps == []
