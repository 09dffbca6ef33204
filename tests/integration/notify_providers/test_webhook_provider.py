"""Signed webhooks against a real local receiver that verifies them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.notify.adapters.providers.compose import compose
from services.notify.adapters.providers.lean_http import LeanTransport
from services.notify.adapters.providers.webhook import WebhookProvider, generate_signing_secret
from services.notify.domain.retry import SendOutcome
from tests.integration.notify_providers.helpers import SECRET, webhook_notification
from tests.integration.notify_providers.servers import FarSide

NEW_SECRET = "whsec_new_secret_for_rotation_0123"
TRANSPORTS = ["httpcore", "lean"]


def _client(transport: str, timeout: httpx.Timeout) -> httpx.AsyncClient:
    if transport == "lean":
        return httpx.AsyncClient(timeout=timeout, transport=LeanTransport())
    return httpx.AsyncClient(timeout=timeout)


@pytest.fixture(params=TRANSPORTS)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """Every test against both transports: httpx's own and the lean one notify sends webhooks with."""
    async with _client(request.param, httpx.Timeout(5.0, connect=2.0)) as http:
        yield http


@pytest.mark.asyncio
async def test_delivered_and_verified_by_the_receiver(
    far: FarSide, client: httpx.AsyncClient
) -> None:
    far.receiver.secrets["a"] = [SECRET]
    hook = webhook_notification()
    msg = compose(hook, 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    result = await WebhookProvider(client).send(msg)
    assert result.outcome is SendOutcome.ACCEPTED
    assert far.receiver.effects == {hook.key: 1}
    (seen,) = far.receiver.requests
    assert seen.headers["idempotency-key"] == hook.key
    assert seen.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(seen.body)["data"]["status_label"] == "已办结销号"


@pytest.mark.asyncio
async def test_receiver_rejects_a_replayed_request(far: FarSide, client: httpx.AsyncClient) -> None:
    far.receiver.secrets["a"] = [SECRET]
    msg = compose(webhook_notification(), 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    assert (await WebhookProvider(client).send(msg)).outcome is SendOutcome.ACCEPTED
    (original,) = far.receiver.requests
    # An attacker on the path resends the captured bytes and headers, unchanged.
    replay = await client.post(
        f"{far.url}/hooks/a", content=original.body, headers=original.headers
    )
    assert replay.status_code == 401
    assert replay.json() == {"error": "replayed"}
    assert far.receiver.effects[msg.key] == 1


@pytest.mark.asyncio
async def test_our_retry_is_not_a_replay_but_a_duplicate(
    far: FarSide, client: httpx.AsyncClient
) -> None:
    far.receiver.secrets["a"] = [SECRET]
    hook = webhook_notification()
    provider = WebhookProvider(client)
    first = await provider.send(compose(hook, 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET]))
    # Same second, same key: the attempt number keeps the signed bytes distinct.
    second = await provider.send(
        compose(hook, 2, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    )
    assert (first.outcome, second.outcome) == (SendOutcome.ACCEPTED, SendOutcome.DUPLICATE)
    assert far.receiver.rejections == []
    assert far.receiver.effects == {hook.key: 1}


@pytest.mark.asyncio
async def test_tampered_body_is_rejected(far: FarSide, client: httpx.AsyncClient) -> None:
    far.receiver.secrets["a"] = [SECRET]
    msg = compose(webhook_notification(), 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    await WebhookProvider(client).send(msg)
    (original,) = far.receiver.requests
    forged = original.body.replace(b'"closed"', b'"merged"')
    response = await client.post(f"{far.url}/hooks/a", content=forged, headers=original.headers)
    assert response.json() == {"error": "bad_signature"}


@pytest.mark.asyncio
async def test_stale_signature_is_rejected(far: FarSide, client: httpx.AsyncClient) -> None:
    far.receiver.secrets["a"] = [SECRET]
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    provider = WebhookProvider(client, clock=lambda: an_hour_ago)
    result = await provider.send(
        compose(webhook_notification(), 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    )
    assert result.outcome is SendOutcome.PERMANENT  # 401 from the receiver
    assert far.receiver.rejections == ["stale_timestamp"]


@pytest.mark.asyncio
async def test_wrong_secret_is_a_permanent_failure(far: FarSide, client: httpx.AsyncClient) -> None:
    far.receiver.secrets["a"] = [generate_signing_secret()]
    result = await WebhookProvider(client).send(
        compose(webhook_notification(), 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    )
    assert (result.outcome, result.reason) == (SendOutcome.PERMANENT, "HTTP 401")
    assert far.receiver.rejections == ["bad_signature"]


@pytest.mark.asyncio
@pytest.mark.parametrize("receiver_holds", [[SECRET], [NEW_SECRET]])
async def test_rotation_signs_with_both_so_either_receiver_verifies(
    far: FarSide, client: httpx.AsyncClient, receiver_holds: list[str]
) -> None:
    far.receiver.secrets["a"] = receiver_holds
    result = await WebhookProvider(client).send(
        compose(
            webhook_notification(),
            1,
            to=f"{far.url}/hooks/a",
            signing_secrets=[NEW_SECRET, SECRET],
        )
    )
    assert result.outcome is SendOutcome.ACCEPTED


@pytest.mark.asyncio
async def test_no_secret_is_refused_before_sending(far: FarSide, client: httpx.AsyncClient) -> None:
    result = await WebhookProvider(client).send(
        compose(webhook_notification(), 1, to=f"{far.url}/hooks/a")
    )
    assert result.outcome is SendOutcome.PERMANENT
    assert far.receiver.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "headers", "outcome", "retry_after"),
    [
        (503, {}, SendOutcome.TRANSIENT, None),
        (500, {}, SendOutcome.TRANSIENT, None),
        (408, {}, SendOutcome.TRANSIENT, None),
        (429, {"Retry-After": "30"}, SendOutcome.TRANSIENT, timedelta(seconds=30)),
        (410, {}, SendOutcome.PERMANENT, None),
        (400, {}, SendOutcome.PERMANENT, None),
        (302, {"Location": "http://169.254.169.254/"}, SendOutcome.PERMANENT, None),
        (409, {}, SendOutcome.DUPLICATE, None),
        (200, {"Idempotent-Replayed": "true"}, SendOutcome.DUPLICATE, None),
    ],
)
async def test_receiver_answers_are_classified(
    far: FarSide,
    client: httpx.AsyncClient,
    status: int,
    headers: dict[str, str],
    outcome: SendOutcome,
    retry_after: timedelta | None,
) -> None:
    from tests.integration.notify_providers.servers import Scripted

    far.receiver.script["a"] = [Scripted(status, headers)]
    result = await WebhookProvider(client).send(
        compose(webhook_notification(), 1, to=f"{far.url}/hooks/a", signing_secrets=[SECRET])
    )
    assert result.outcome is outcome
    assert result.retry_after == retry_after
    assert len(far.receiver.requests) == 1  # the redirect was not followed


@pytest.mark.asyncio
async def test_nobody_listening_is_transient(client: httpx.AsyncClient) -> None:
    from tests.integration.notify_providers.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/hooks/a"
    result = await WebhookProvider(client).send(
        compose(webhook_notification(), 1, to=url, signing_secrets=[SECRET])
    )
    assert result.outcome is SendOutcome.TRANSIENT
    assert result.reason.startswith("connection failed")


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_slow_receiver_is_a_transient_timeout(far: FarSide, transport: str) -> None:
    import socket

    # A listener that accepts and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hooks/a"
        async with _client(transport, httpx.Timeout(0.3)) as quick:
            result = await WebhookProvider(quick).send(
                compose(webhook_notification(), 1, to=url, signing_secrets=[SECRET])
            )
    assert result.outcome is SendOutcome.TRANSIENT
    assert result.reason.startswith("timeout")


@pytest.mark.asyncio
async def test_bad_endpoint_is_permanent(client: httpx.AsyncClient) -> None:
    result = await WebhookProvider(client).send(
        compose(webhook_notification(), 1, to="gopher://127.0.0.1/x", signing_secrets=[SECRET])
    )
    assert result.outcome is SendOutcome.PERMANENT


@pytest.mark.asyncio
async def test_the_lean_transport_keeps_the_connection_alive(far: FarSide) -> None:
    far.receiver.secrets["a"] = [SECRET]
    transport = LeanTransport()
    async with httpx.AsyncClient(timeout=5.0, transport=transport) as http:
        provider = WebhookProvider(http)
        for attempt in (1, 2, 3):  # a body of its own each time: the receiver refuses replays
            result = await provider.send(
                compose(webhook_notification(), attempt, to=f"{far.url}/hooks/a", signing_secrets=[SECRET]))
            assert result.outcome.succeeded
            assert sum(len(idle) for idle in transport.idle.values()) == 1  # one connection, reused


@pytest.mark.asyncio
async def test_the_lean_transport_survives_a_receiver_closing_idle_connections() -> None:
    """A receiver that closes each connection after one reply, without saying so: the next
    webhook goes out on a new connection instead of failing on the dead one."""
    connections = 0

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=5.0, transport=LeanTransport()) as http:
            provider = WebhookProvider(http)
            for _ in range(3):
                url = f"http://127.0.0.1:{port}/hooks/a"
                result = await provider.send(
                    compose(webhook_notification(), 1, to=url, signing_secrets=[SECRET]))
                assert result.outcome is SendOutcome.ACCEPTED
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 3
