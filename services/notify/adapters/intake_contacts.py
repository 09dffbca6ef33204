"""Reporters' contact details, asked of intake at send time (notify never stores them).

    GET {INTAKE_URL}/internal/reporters/{reporter_ref}/contact
    Authorization: Bearer <notify's token, scope reporters:contact:read>
    200 {"name": str | null, "phone": str | null, "email": str | null}
    404 the reference is unknown (or its contact was erased)

Intake writes an audit row per read. A 404 is final; anything else that is not a 200 (intake
down, overloaded, our token being rotated) is worth retrying: a legal notice must not be
dropped for a passing fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from services.notify.domain.retry import SendResult


@dataclass(frozen=True, slots=True)
class ReporterContact:
    name: str | None
    phone: str | None
    email: str | None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class IntakeContacts:
    def __init__(self, client: httpx.AsyncClient, base_url: str, token: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._token = token

    async def lookup(self, reporter_ref: str, purpose: str) -> ReporterContact | SendResult:
        """`purpose` is recorded in intake's personal-data audit row for this read."""
        url = f"{self._base}/internal/reporters/{quote(reporter_ref, safe='')}/contact"
        try:
            response = await self._client.get(
                url, params={"purpose": purpose},
                headers={"Authorization": f"Bearer {self._token}"}, follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            return SendResult.transient(f"reporter contact lookup failed: {type(exc).__name__}")
        if response.status_code == 404:
            return SendResult.permanent("intake has no contact for this reporter")
        if response.status_code != 200:
            return SendResult.transient(f"reporter contact lookup: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            return SendResult.transient("reporter contact lookup: not JSON")
        if not isinstance(data, dict):
            return SendResult.transient("reporter contact lookup: not a JSON object")
        return ReporterContact(_text(data.get("name")), _text(data.get("phone")), _text(data.get("email")))
