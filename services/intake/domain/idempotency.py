"""Idempotency keys 幂等键: one complaint per channel + external reference, whatever the retries.

The lead stores these under a UNIQUE constraint; the domain only derives them, deterministically.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from .vocabulary import Channel

_SEP = "\x1f"  # unit separator: cannot appear in a stripped reference, so no ambiguous joins


def normalise_ref(external_ref: str) -> str:
    """NFKC folds full-width characters (`ＧＤ２０２４` == `GD2024`), common in 12345 exports."""
    return unicodedata.normalize("NFKC", external_ref).strip()


def channel_key(channel: Channel, external_ref: str) -> str:
    """`ch1:` + SHA-256 of channel and normalised reference; fixed length, safe in any index."""
    digest = hashlib.sha256(f"{channel.value}{_SEP}{normalise_ref(external_ref)}".encode())
    return f"ch1:{digest.hexdigest()}"


def header_key(caller_id: str, idempotency_key: str) -> str:
    """An `Idempotency-Key` header is only unique per calling system, so scope it by caller."""
    digest = hashlib.sha256(f"{caller_id}{_SEP}{idempotency_key.strip()}".encode())
    return f"hd1:{digest.hexdigest()}"


def visit_key(log_id: str) -> str:
    """A household-visit log 走访日志 is one record however often it is re-sent."""
    return channel_key(Channel.HOUSEHOLD_VISIT, f"visit{_SEP}{log_id}")


def payload_fingerprint(payload: Mapping[str, Any]) -> str:
    """Hash of a request body, so a reused key with a *different* body can be refused (409)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
