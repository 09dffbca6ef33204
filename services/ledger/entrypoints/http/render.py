"""Turning the domain's dataclasses into JSON (money and land as exact decimal strings), periods
from their short names, and file downloads with a proper Content-Disposition."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import Response
from pydantic import TypeAdapter

from services.ledger.domain.period import Period

PERIOD_PATTERN = r"^[0-9]{4}(-?Q[1-4]|-(0[1-9]|1[0-2]))?$"


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(kind: type) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def jsonable(value: Any) -> Any:
    """Dataclasses (and lists of them) as JSON-ready data; Decimals stay exact strings."""
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return _adapter(type(value)).dump_python(value, mode="json")


def parse_period(text: str) -> Period:
    """"2025" (year), "2025Q3" or "2025-Q3" (quarter), "2025-07" (month)."""
    if not re.fullmatch(PERIOD_PATTERN, text):
        raise ValueError(f"period {text!r}: use 2025, 2025Q3 or 2025-07")
    year = int(text[:4])
    rest = text[4:].lstrip("-")
    if not rest:
        return Period.year(year)
    if rest.startswith("Q"):
        return Period.quarter(year, int(rest[1]))
    return Period.month(year, int(rest))


def download(content: bytes, media_type: str, filename: str, ascii_name: str) -> Response:
    """A file with its Chinese name for browsers that read RFC 5987 and an ASCII fallback."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": disposition})
