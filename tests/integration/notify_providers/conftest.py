from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.integration.notify_providers.servers import (
    FarSide,
    Mailbox,
    SmsGateway,
    WebhookReceiver,
    far_side_app,
    serve_http,
    serve_smtp,
)


@pytest.fixture(scope="session")
def _far_side() -> Iterator[FarSide]:
    receiver, gateway = WebhookReceiver(), SmsGateway()
    with serve_http(far_side_app(receiver, gateway)) as url:
        yield FarSide(url, receiver, gateway)


@pytest.fixture
def far(_far_side: FarSide) -> Iterator[FarSide]:
    _far_side.receiver.reset()
    _far_side.gateway.reset()
    yield _far_side


@pytest.fixture(scope="session")
def _smtp() -> Iterator[tuple[Mailbox, str, int]]:
    mailbox = Mailbox()
    with serve_smtp(mailbox) as (host, port):
        yield mailbox, host, port


@pytest.fixture
def smtp(_smtp: tuple[Mailbox, str, int]) -> Iterator[tuple[Mailbox, str, int]]:
    mailbox = _smtp[0]
    mailbox.messages.clear()
    mailbox.refuse.clear()
    yield _smtp


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0)) as http:
        yield http
