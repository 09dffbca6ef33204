"""SMS through an HTTP gateway (短信网关).

Wire contract (a generic JSON gateway; a vendor adapter maps its own fields onto it):

    POST {base_url}/v1/messages
    Authorization: Bearer <api key>
    {"to": "13800000000", "text": "【漳州纪检监察】…", "client_ref": "<notification key>"}

    200/201/202 {"status": "accepted",  "message_id": "…"}   -> accepted
    200 or 409  {"status": "duplicate", "message_id": "…"}   -> duplicate (client_ref seen)
    4xx         {"code": "invalid_number" | …}                -> permanent, reason = code
    408/429/5xx (429 with Retry-After)                        -> transient

The gateway deduplicates on `client_ref`, which is what keeps an SMS single across a crash
between the gateway's accept and our status write. Numbers are checked before sending; a
number never appears in a reason (reasons are stored and published).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from services.notify.adapters.providers.base import OutboundMessage, check_channel, short
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendOutcome, SendResult, http_result

_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_mobile(raw: str) -> str | None:
    """An 11-digit mainland mobile number, or None; accepts +86 / 0086 and separators."""
    digits = re.sub(r"[\s\-()]", "", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if _MAINLAND_MOBILE.match(digits) else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class HttpSmsGateway:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/v1/messages"
        self._api_key = api_key
        self._clock = clock

    @property
    def channel(self) -> Channel:
        return Channel.SMS

    async def send(self, message: OutboundMessage) -> SendResult:
        check_channel(self, message)
        number = normalise_mobile(message.to)
        if number is None:
            return SendResult.permanent("not a mainland mobile number")
        try:
            response = await self._client.post(
                self._url,
                json={"to": number, "text": message.body, "client_ref": message.key},
                headers={"Authorization": f"Bearer {self._api_key}"},
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            return SendResult.transient(f"timeout: {type(exc).__name__}")
        except httpx.TransportError as exc:
            return SendResult.transient(f"connection failed: {type(exc).__name__}")
        data = _json(response)
        message_id = data.get("message_id")
        provider_ref = message_id if isinstance(message_id, str) else None
        if data.get("status") == "duplicate" or response.status_code == 409:
            return SendResult.duplicate(provider_ref)
        result = http_result(
            response.status_code,
            now=self._clock(),
            retry_after=response.headers.get("Retry-After"),
            detail=short(str(data.get("code", ""))),
        )
        if result.outcome is SendOutcome.ACCEPTED:
            return SendResult.accepted(provider_ref)
        return result
