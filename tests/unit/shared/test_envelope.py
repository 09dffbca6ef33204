"""The CloudEvents envelope: what goes out comes back, and every way a record can be wrong has a code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.events.envelope import CONTENT_TYPE, SPECVERSION, Envelope, MalformedEvent


def sample() -> Envelope:
    return Envelope(
        type="cn.example.thing.happened.v1",
        source="/supervision/test",
        subject="agg-1",
        data={"text": "村集体鱼塘", "n": 3, "nested": {"ok": True}},
        time=datetime(2024, 6, 3, 2, 0, 1, 123456, tzinfo=UTC),
        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    )


def good_headers() -> list[tuple[str, bytes]]:
    return sample().headers()


def test_round_trip_keeps_every_field() -> None:
    env = sample()
    back = Envelope.from_record(env.headers(), env.value())
    assert back == env
    assert env.key == b"agg-1"


def test_headers_follow_the_kafka_binary_binding() -> None:
    headers = dict(sample().headers())
    assert headers["ce_specversion"] == SPECVERSION.encode()
    assert headers["content-type"] == CONTENT_TYPE.encode()
    assert headers["ce_subject"] == b"agg-1"
    assert set(headers) >= {"ce_id", "ce_source", "ce_type", "ce_time", "traceparent"}
    # The value is the bare JSON payload, non-ASCII kept readable.
    assert json.loads(sample().value()) == sample().data
    assert "村集体鱼塘".encode() in sample().value()


def test_optional_headers_may_be_absent() -> None:
    env = Envelope(type="t", source="s", subject="k", data={})
    headers = [(k, v) for k, v in env.headers() if k in ("ce_id", "ce_source", "ce_type", "ce_specversion")]
    back = Envelope.from_record(headers, b"{}")
    assert (back.id, back.source, back.type, back.subject, back.traceparent) == (env.id, "s", "t", "", None)
    assert back.time.tzinfo is not None


def without(name: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in good_headers() if k != name]


def replaced(name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [(k, value if k == name else v) for k, v in good_headers()]


@pytest.mark.parametrize(
    ("headers", "value", "code"),
    [
        pytest.param(None, b"{}", "missing_headers", id="no-headers-at-all"),
        pytest.param(without("ce_id"), b"{}", "missing_headers", id="no-ce_id"),
        pytest.param(without("ce_source"), b"{}", "missing_headers", id="no-ce_source"),
        pytest.param(without("ce_type"), b"{}", "missing_headers", id="no-ce_type"),
        pytest.param(replaced("ce_id", b""), b"{}", "missing_headers", id="empty-ce_id"),
        pytest.param(replaced("ce_specversion", b"0.3"), b"{}", "bad_specversion", id="specversion"),
        pytest.param(replaced("content-type", b"text/plain"), b"{}", "bad_content_type", id="content-type"),
        pytest.param(good_headers(), None, "empty_value", id="tombstone"),
        pytest.param(good_headers(), b"not json", "bad_json", id="non-json"),
        pytest.param(good_headers(), b"\xff\xfe\x00", "bad_json", id="non-utf8-value"),
        pytest.param(good_headers(), b"[1, 2]", "bad_json", id="array-not-object"),
        pytest.param(good_headers(), b'"a string"', "bad_json", id="string-not-object"),
        pytest.param(replaced("ce_time", b"yesterday"), b"{}", "bad_time", id="bad-time"),
        pytest.param(replaced("ce_subject", b"\xff\xfe"), b"{}", "header_not_utf8", id="non-utf8-header"),
    ],
)
def test_every_malformation_has_a_code(
    headers: list[tuple[str, bytes]] | None, value: bytes | None, code: str
) -> None:
    with pytest.raises(MalformedEvent) as info:
        Envelope.from_record(headers, value)
    assert info.value.code == code
    assert info.value.reason
    assert str(info.value).startswith(f"{code}: ")


def test_missing_headers_are_named_in_the_reason() -> None:
    with pytest.raises(MalformedEvent) as info:
        Envelope.from_record(without("ce_type"), b"{}")
    assert "ce_type" in info.value.reason


def test_non_utf8_header_names_the_header() -> None:
    with pytest.raises(MalformedEvent) as info:
        Envelope.from_record([*good_headers(), ("x-junk", b"\xc3\x28")], b"{}")
    assert info.value.code == "header_not_utf8"
    assert "x-junk" in info.value.reason
