"""SMS gateway adapter against a real local HTTP gateway."""

from __future__ import annotations

import json

import httpx
import pytest

from services.notify.adapters.providers.compose import compose
from services.notify.adapters.providers.sms_gateway import HttpSmsGateway, normalise_mobile
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendOutcome
from tests.integration.notify_providers.helpers import reporter_notification
from tests.integration.notify_providers.servers import FarSide, Scripted, SmsGateway

PHONE = "13800000000"


def gateway(
    far: FarSide, client: httpx.AsyncClient, key: str = SmsGateway.API_KEY
) -> HttpSmsGateway:
    return HttpSmsGateway(client, far.url, api_key=key)


@pytest.mark.asyncio
async def test_accepted_with_the_key_as_client_ref(far: FarSide, client: httpx.AsyncClient) -> None:
    notice = reporter_notification(Channel.SMS)
    result = await gateway(far, client).send(compose(notice, 1, to="+86 138-0000-0000"))
    assert result.outcome is SendOutcome.ACCEPTED
    assert result.provider_ref == f"gw-{notice.key[:8]}"
    (seen,) = far.gateway.requests
    sent = json.loads(seen.body)
    assert sent["to"] == PHONE
    assert sent["client_ref"] == notice.key
    assert sent["text"].startswith("【漳州纪检监察】")


@pytest.mark.asyncio
async def test_second_send_of_a_key_is_a_duplicate_and_one_sms(
    far: FarSide, client: httpx.AsyncClient
) -> None:
    notice = reporter_notification(Channel.SMS)
    sms = gateway(far, client)
    first = await sms.send(compose(notice, 1, to=PHONE))
    second = await sms.send(compose(notice, 2, to=PHONE))
    assert (first.outcome, second.outcome) == (SendOutcome.ACCEPTED, SendOutcome.DUPLICATE)
    assert second.outcome.succeeded
    assert far.gateway.effects == {notice.key: 1}


@pytest.mark.asyncio
async def test_bad_number_is_refused_without_calling_the_gateway(
    far: FarSide, client: httpx.AsyncClient
) -> None:
    result = await gateway(far, client).send(
        compose(reporter_notification(Channel.SMS), 1, to="0596-1234567")
    )
    assert result.outcome is SendOutcome.PERMANENT
    assert "0596" not in result.reason  # numbers never reach stored reasons
    assert far.gateway.requests == []


@pytest.mark.asyncio
async def test_gateway_refusal_is_permanent_with_its_code(
    far: FarSide, client: httpx.AsyncClient
) -> None:
    far.gateway.invalid_numbers.add("13900000000")
    result = await gateway(far, client).send(
        compose(reporter_notification(Channel.SMS), 1, to="13900000000")
    )
    assert (result.outcome, result.reason) == (SendOutcome.PERMANENT, "HTTP 400: invalid_number")


@pytest.mark.asyncio
async def test_bad_credentials_are_permanent(far: FarSide, client: httpx.AsyncClient) -> None:
    result = await gateway(far, client, key="wrong").send(
        compose(reporter_notification(Channel.SMS), 1, to=PHONE)
    )
    assert (result.outcome, result.reason) == (SendOutcome.PERMANENT, "HTTP 401: unauthorised")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("scripted", "outcome"),
    [
        (Scripted(503), SendOutcome.TRANSIENT),
        (Scripted(429, {"Retry-After": "2"}, {"code": "rate_limited"}), SendOutcome.TRANSIENT),
        (Scripted(409), SendOutcome.DUPLICATE),
    ],
)
async def test_gateway_answers(
    far: FarSide, client: httpx.AsyncClient, scripted: Scripted, outcome: SendOutcome
) -> None:
    far.gateway.script["sms"] = [scripted]
    result = await gateway(far, client).send(
        compose(reporter_notification(Channel.SMS), 1, to=PHONE)
    )
    assert result.outcome is outcome


@pytest.mark.asyncio
async def test_gateway_down_is_transient(client: httpx.AsyncClient) -> None:
    from tests.integration.notify_providers.servers import free_port

    sms = HttpSmsGateway(client, f"http://127.0.0.1:{free_port()}", api_key="k")
    result = await sms.send(compose(reporter_notification(Channel.SMS), 1, to=PHONE))
    assert result.outcome is SendOutcome.TRANSIENT


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800000000", PHONE),
        ("+8613800000000", PHONE),
        ("0086 138 0000 0000", PHONE),
        ("(+86)138-0000-0000", PHONE),
        ("12800000000", None),
        ("1380000000", None),
        ("１３８００００００００", None),
        ("0596-1234567", None),
    ],
)
def test_normalise_mobile(raw: str, normal: str | None) -> None:
    assert normalise_mobile(raw) == normal
