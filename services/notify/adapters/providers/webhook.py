"""Signed webhooks to calling systems over httpx.

Contract for receivers (also in domain/signing.py): POST, JSON body, headers
`X-Signature: t=..,v1=..`, `Idempotency-Key` and `X-Webhook-Id` (both the notification key).
Answer 2xx when taken; answer 409, or 2xx with `Idempotent-Replayed: true`, for a key already
taken - we count both as delivered. 408/429/5xx are retried (Retry-After honoured), other
4xx are final. Redirects are not followed: an endpoint that moved must be re-registered.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from services.notify.adapters.providers.base import OutboundMessage, check_channel, short
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendResult, http_result
from services.notify.domain.signing import sign

USER_AGENT = "zhangzhou-supervision-notify/1"
SECRET_PREFIX = "whsec_"
# A reply body up to this size is read (and dropped) so the connection goes back to the pool:
# httpx closes a connection whose response was not read to its end, and a new TCP connection
# per webhook costs more CPU than the request itself. A larger body is not worth the memory.
KEEP_ALIVE_BODY_LIMIT = 64 * 1024


def generate_signing_secret() -> str:
    """A fresh secret for a subscription (256 bits), shown to the calling system once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def _read_small_body(response: httpx.Response) -> None:
    """Read the reply to its end if it is small; the answer is already known, so a failure here
    only costs the connection."""
    try:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > KEEP_ALIVE_BODY_LIMIT:
                return
    except httpx.HTTPError:
        return


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WebhookProvider:
    def __init__(self, client: httpx.AsyncClient, clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._clock = clock

    @property
    def channel(self) -> Channel:
        return Channel.WEBHOOK

    async def send(self, message: OutboundMessage) -> SendResult:
        check_channel(self, message)
        if not message.signing_secrets:
            return SendResult.permanent("subscription has no live signing secret")
        body = message.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": message.key,
            "X-Webhook-Id": message.key,
            **sign(body, message.signing_secrets, self._clock()),
        }
        try:
            # Streamed so a receiver's large error page is never read into memory.
            async with self._client.stream(
                "POST", message.to, content=body, headers=headers, follow_redirects=False
            ) as response:
                status = response.status_code
                replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
                retry_after = response.headers.get("Retry-After")
                await _read_small_body(response)
        except httpx.TimeoutException as exc:
            return SendResult.transient(f"timeout: {type(exc).__name__}")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return SendResult.permanent(short(f"bad endpoint: {exc}"))
        except httpx.TransportError as exc:
            return SendResult.transient(f"connection failed: {type(exc).__name__}")
        if status == 409 or (replayed and 200 <= status < 300):
            return SendResult.duplicate()
        return http_result(status, now=self._clock(), retry_after=retry_after)
