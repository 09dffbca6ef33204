"""CloudEvents 1.0 envelope in Kafka binary mode.

The value is the JSON payload; the metadata rides in `ce_*` headers, so a consumer can route and
deduplicate without parsing the body. `source` + `id` identify an event: a consumer that has seen
the pair has seen the event, however many times the relay published it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion")


class MalformedEvent(ValueError):
    """A Kafka record that is not a valid event of ours; it goes to the dead-letter topic."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    type: str
    source: str
    subject: str
    data: Mapping[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None

    @property
    def key(self) -> bytes:
        # The subject is the aggregate id: one aggregate's events share a partition and stay ordered.
        return self.subject.encode()

    def headers(self) -> list[tuple[str, bytes]]:
        pairs = [
            ("ce_id", self.id),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_specversion", SPECVERSION),
            ("ce_time", self.time.isoformat()),
            ("ce_subject", self.subject),
            ("content-type", CONTENT_TYPE),
        ]
        if self.traceparent:
            pairs.append(("traceparent", self.traceparent))
        return [(k, v.encode()) for k, v in pairs]

    def value(self) -> bytes:
        return encode_json(self.data)

    @classmethod
    def from_record(
        cls, headers: Sequence[tuple[str, bytes]] | None, value: bytes | None
    ) -> Envelope:
        """Parse a Kafka record; raise MalformedEvent with a machine-readable code if it is not ours."""
        found: dict[str, str] = {}
        for name, raw in headers or ():
            try:
                found[name] = raw.decode()
            except (UnicodeDecodeError, AttributeError) as exc:
                raise MalformedEvent("header_not_utf8", f"header {name!r} is not UTF-8") from exc
        missing = [h for h in REQUIRED_HEADERS if not found.get(h)]
        if missing:
            raise MalformedEvent("missing_headers", f"missing CloudEvents headers {missing}")
        if found["ce_specversion"] != SPECVERSION:
            raise MalformedEvent("bad_specversion", f"specversion {found['ce_specversion']!r}")
        ctype = found.get("content-type", CONTENT_TYPE)
        if not ctype.startswith(CONTENT_TYPE):
            raise MalformedEvent("bad_content_type", f"content-type {ctype!r} is not JSON")
        if value is None:
            raise MalformedEvent("empty_value", "record has no value")
        try:
            data = json.loads(value)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedEvent("bad_json", f"value is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise MalformedEvent("bad_json", "value is not a JSON object")
        try:
            when = datetime.fromisoformat(found["ce_time"]) if found.get("ce_time") else None
        except ValueError as exc:
            raise MalformedEvent("bad_time", f"ce_time {found['ce_time']!r}") from exc
        return cls(
            type=found["ce_type"],
            source=found["ce_source"],
            subject=found.get("ce_subject", ""),
            data=data,
            id=found["ce_id"],
            time=when or datetime.now(UTC),
            traceparent=found.get("traceparent"),
        )


def _default(obj: object) -> object:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID):
        return str(obj)
    return str(obj)


def encode_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default).encode()
