"""Fault test (d): the Kafka broker stops and starts again in the middle of 1,000 complaints.

The broker is a private one (the session's broker is shared with other pytest sessions on the
machine); everything else is as in the other fault tests: four service processes, unique
complaints in, every acknowledged one applied by the ledger exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.stack import Infra, Stack
from tests.support.effects import Posted, assert_exactly_once, post_complaints, until, wait_for_effects
from tests.support.private_kafka import infra_with_private_kafka
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.fault, pytest.mark.infra]


@pytest.fixture(scope="module")
def own_broker_stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if infra.kafka is None:
        pytest.skip("Kafka is an external cluster (KAFKA_BOOTSTRAP_SERVERS): no local broker to stop")
    home: Path = tmp_path_factory.mktemp("private-kafka")
    with infra_with_private_kafka(infra, home) as own, running_stack(
        own, tmp_path_factory.mktemp("restart-stack"), f"r{uuid.uuid4().hex[:8]}."
    ) as (stack, _sink):
        yield stack


async def test_kafka_restart_mid_stream_of_1000_complaints_loses_and_doubles_nothing(
    own_broker_stack: Stack,
) -> None:
    stack = own_broker_stack
    kafka = stack.infra.kafka
    assert kafka is not None
    numbers = range(400_000, 401_000)
    held_back = numbers[600]
    broker_down = asyncio.Event()

    async def hold(n: int) -> None:
        # The last 400 wait until the broker is gone: the outage is mid-stream, however fast it is.
        if n >= held_back:
            await broker_down.wait()

    posted = Posted()
    posting = asyncio.create_task(post_complaints(
        stack.services["intake"].url, numbers, concurrency=16, attempts=30, posted=posted, before=hold))
    try:
        await until(lambda: len(posted.acked) >= 250 or posting.done(), 120, "250 acknowledged")
        await asyncio.to_thread(kafka.stop)
        stopped_at = len(posted.acked)
        broker_down.set()
        # Intake keeps accepting while the broker is down: its outbox holds the events.
        await until(lambda: len(posted.acked) >= stopped_at + 200 or posting.done(), 120,
                    "complaints accepted while Kafka is down")
        accepted_while_down = len(posted.acked) - stopped_at
    finally:
        broker_down.set()
        await asyncio.to_thread(kafka.start)
    await posting
    assert not posted.failed, f"{len(posted.failed)} complaints never acknowledged"
    assert len(posted.acked) == len(numbers)
    assert stopped_at <= held_back and accepted_while_down >= 200, (stopped_at, accepted_while_down)

    await wait_for_effects(stack, posted.ids, 180)
    assert_exactly_once(stack, posted.ids, earlier=set())
