from __future__ import annotations

import hashlib

from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.idempotency import (
    channel_key,
    header_key,
    payload_fingerprint,
    visit_key,
)
from services.intake.domain.validation import validate_complaint
from services.intake.domain.vocabulary import Channel

from .conftest import NOW, ZHENGDA


def test_channel_key_is_stable_and_normalised() -> None:
    key = channel_key(Channel.HOTLINE_12345, "ZZ12345-20240603-00871")
    assert key == channel_key(Channel.HOTLINE_12345, " ZZ12345-20240603-00871 ")
    assert key == channel_key(Channel.HOTLINE_12345, "ＺＺ１２３４５－２０２４０６０３－００８７１")
    assert key.startswith("ch1:") and len(key) == 4 + 64
    # Pinned: the key is stored under a UNIQUE index, so its derivation may never drift.
    expected = hashlib.sha256(b"hotline_12345\x1fZZ12345-20240603-00871").hexdigest()
    assert key == f"ch1:{expected}"


def test_channel_key_separates_channels_and_references() -> None:
    keys = {
        channel_key(Channel.HOTLINE_12345, "0412"),
        channel_key(Channel.PETITION, "0412"),
        channel_key(Channel.HOTLINE_12345, "0413"),
        channel_key(Channel.HOTLINE_12345, "zz0412"),
        channel_key(Channel.HOTLINE_12345, "ZZ0412"),  # case is kept: systems differ on it
        visit_key("0412"),
        channel_key(Channel.HOUSEHOLD_VISIT, "0412#1"),
    }
    assert len(keys) == 7


def test_header_keys_are_scoped_per_caller() -> None:
    assert header_key("hotline-12345", "abc") == header_key("hotline-12345", " abc ")
    assert header_key("hotline-12345", "abc") != header_key("open311-public", "abc")


def test_payload_fingerprint_ignores_key_order_only() -> None:
    a = {"channel": "online", "description": "鱼塘", "amount_yuan": "1.00"}
    b = {"amount_yuan": "1.00", "description": "鱼塘", "channel": "online"}
    assert payload_fingerprint(a) == payload_fingerprint(b)
    assert payload_fingerprint(a) != payload_fingerprint({**a, "amount_yuan": "1.01"})


def test_same_submission_twice_gives_the_same_key(registry: DivisionRegistry) -> None:
    body = {
        "channel": "petition", "external_ref": "漳信〔2024〕0412号", "place_code": ZHENGDA,
        "category": "sanzi", "description": "鱼塘发包问题", "reporter": {"mode": "anonymous"},
    }
    first = validate_complaint(body, registry, now=NOW)
    retry = validate_complaint({**body, "description": "鱼塘发包问题(重发)"}, registry, now=NOW)
    assert first.idempotency_key == retry.idempotency_key
    without_ref = validate_complaint({**body, "external_ref": None}, registry, now=NOW)
    assert without_ref.idempotency_key is None  # then the Idempotency-Key header decides
