from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.intake.domain.complaint import MAX_ATTACHMENT_BYTES, MAX_DESCRIPTION_CHARS
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.errors import ErrorCode, IntakeRejected
from services.intake.domain.validation import validate_complaint
from services.intake.domain.vocabulary import Category, Channel, Level, ReporterMode

from .conftest import BANLI, NOW, SHITOU, ZHENGDA

SHA = "ab" * 32


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "channel": "online",
        "external_ref": "WEB-2024-000187",
        "place_code": ZHENGDA,
        "category": "sanzi",
        "description": "村集体鱼塘2023年以每年800元的价格发包给村主任亲戚,远低于市场价。",
        "amount_yuan": "12000.00",
        "land_mu": "35.5",
        "occurred_at": "2023-03-01T09:00:00+08:00",
        "received_at": "2024-06-03T09:30:00+08:00",
        "reporter": {"mode": "anonymous"},
        "attachments": [{"sha256": SHA, "size_bytes": 204800, "media_type": "image/jpeg"}],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def errors_of(registry: DivisionRegistry, data: Any) -> dict[str, ErrorCode]:
    with pytest.raises(IntakeRejected) as caught:
        validate_complaint(data, registry, now=NOW)
    return {e.field: e.code for e in caught.value.errors}


def test_a_valid_complaint_is_accepted_with_place_and_routing(registry: DivisionRegistry) -> None:
    c = validate_complaint(body(), registry, now=NOW)
    assert c.channel is Channel.ONLINE and c.category is Category.SANZI
    assert c.place.town.code == BANLI and c.place.county.name == "长泰区"
    assert c.amount_yuan == Decimal("12000.00") and c.land_mu == Decimal("35.5")
    assert c.attachments[0].sha256 == SHA
    assert c.routing.escalated is False and c.routing.handling_level is Level.TOWN
    assert c.reporter is not None and c.reporter.mode is ReporterMode.ANONYMOUS
    assert c.idempotency_key is not None and c.idempotency_key.startswith("ch1:")


def test_chinese_labels_are_accepted_for_enums(registry: DivisionRegistry) -> None:
    c = validate_complaint(body(channel="网上举报", category="三资"), registry, now=NOW)
    assert (c.channel, c.category) == (Channel.ONLINE, Category.SANZI)


def test_missing_received_at_takes_intakes_clock(registry: DivisionRegistry) -> None:
    assert validate_complaint(body(received_at=...), registry, now=NOW).received_at == NOW


def test_every_missing_required_field_is_reported_at_once(registry: DivisionRegistry) -> None:
    found = errors_of(registry, {"reporter": {"mode": "anonymous"}})
    assert found == {
        "channel": ErrorCode.MISSING,
        "place_code": ErrorCode.MISSING,
        "category": ErrorCode.MISSING,
        "description": ErrorCode.MISSING,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"place_code": "350605200299"}, "place_code", ErrorCode.UNKNOWN_DIVISION),
        ({"place_code": "350605"}, "place_code", ErrorCode.DIVISION_TOO_COARSE),
        ({"place_code": "35060520"}, "place_code", ErrorCode.BAD_FORMAT),
        ({"place_code": SHITOU, "town_code": BANLI}, "place_code", ErrorCode.INCONSISTENT_DIVISION),
        ({"town_code": "350605299"}, "town_code", ErrorCode.UNKNOWN_DIVISION),
        ({"category": "corruption"}, "category", ErrorCode.UNKNOWN_CATEGORY),
        ({"channel": "wechat"}, "channel", ErrorCode.UNKNOWN_CHANNEL),
        ({"description": "x" * (MAX_DESCRIPTION_CHARS + 1)}, "description", ErrorCode.TOO_LONG),
        ({"description": "   \n "}, "description", ErrorCode.BLANK),
        ({"amount_yuan": "-1"}, "amount_yuan", ErrorCode.OUT_OF_RANGE),
        ({"amount_yuan": "10.005"}, "amount_yuan", ErrorCode.TOO_MANY_DECIMALS),
        ({"amount_yuan": "NaN"}, "amount_yuan", ErrorCode.BAD_FORMAT),
        ({"land_mu": "-0.5"}, "land_mu", ErrorCode.OUT_OF_RANGE),
        ({"occurred_at": "2024-06-04T09:00:00+08:00"}, "occurred_at", ErrorCode.OCCURRED_IN_FUTURE),
        ({"received_at": "2024-06-04T09:00:00+08:00"}, "received_at", ErrorCode.RECEIVED_IN_FUTURE),
        ({"occurred_at": "2024-05-01T09:00:00"}, "occurred_at", ErrorCode.NAIVE_DATETIME),
        ({"occurred_at": "yesterday"}, "occurred_at", ErrorCode.BAD_FORMAT),
        ({"reporter": ...}, "reporter", ErrorCode.MISSING),
        ({"reporter": {"mode": "named"}}, "reporter", ErrorCode.CONTACT_REQUIRED),
        ({"reporter": {"mode": "secret"}}, "reporter.mode", ErrorCode.UNKNOWN_CHOICE),
        ({"subject": {"role": "village_cadre"}}, "subject", ErrorCode.MISSING),
        ({"subject": {"name": "林某", "role": "mayor"}}, "subject.role", ErrorCode.UNKNOWN_CHOICE),
        ({"unexpected": 1}, "unexpected", ErrorCode.UNKNOWN_FIELD),
        ({"external_ref": "R" * 201}, "external_ref", ErrorCode.TOO_LONG),
        ({"channel_meta": {"Bad Key": "x"}}, "channel_meta.Bad Key.[key]", ErrorCode.BAD_FORMAT),
    ],
)
def test_each_validation_error_has_its_field_and_code(
    registry: DivisionRegistry, overrides: dict[str, Any], field: str, code: ErrorCode
) -> None:
    assert errors_of(registry, body(**overrides)) == {field: code}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"place_code": 350605200206}, "place_code"),
        ({"description": 42}, "description"),
        ({"amount_yuan": True}, "amount_yuan"),
        ({"amount_yuan": [1]}, "amount_yuan"),
        ({"occurred_at": 1714530000}, "occurred_at"),
        ({"attachments": "photo.jpg"}, "attachments"),
        ({"reporter": "anonymous"}, "reporter"),
        ({"subject": "村主任"}, "subject"),
        ({"category": 3}, "category"),
    ],
)
def test_wrong_types_are_refused(
    registry: DivisionRegistry, overrides: dict[str, Any], field: str
) -> None:
    assert errors_of(registry, body(**overrides)) == {field: ErrorCode.WRONG_TYPE}


def test_a_body_that_is_not_an_object_is_refused(registry: DivisionRegistry) -> None:
    assert errors_of(registry, ["not", "an", "object"]) == {"$": ErrorCode.WRONG_TYPE}


@pytest.mark.parametrize(
    ("attachment", "field", "code"),
    [
        ({"sha256": "xyz"}, "attachments[0].sha256", ErrorCode.BAD_SHA256),
        ({"size_bytes": MAX_ATTACHMENT_BYTES + 1}, "attachments[0].size_bytes",
         ErrorCode.ATTACHMENT_TOO_LARGE),
        ({"size_bytes": 0}, "attachments[0].size_bytes", ErrorCode.OUT_OF_RANGE),
        ({"size_bytes": "12"}, "attachments[0].size_bytes", ErrorCode.WRONG_TYPE),
        ({"media_type": "application/x-msdownload"}, "attachments[0].media_type",
         ErrorCode.MEDIA_TYPE_NOT_ALLOWED),
    ],
)
def test_bad_attachments_are_refused(
    registry: DivisionRegistry, attachment: dict[str, Any], field: str, code: ErrorCode
) -> None:
    good = {"sha256": SHA, "size_bytes": 1024, "media_type": "image/png"}
    assert errors_of(registry, body(attachments=[{**good, **attachment}])) == {field: code}


def test_too_many_attachments_are_refused(registry: DivisionRegistry) -> None:
    one = {"sha256": SHA, "size_bytes": 1024, "media_type": "image/png"}
    assert errors_of(registry, body(attachments=[one] * 21)) == {"attachments": ErrorCode.TOO_MANY}


def test_media_type_and_hash_are_normalised(registry: DivisionRegistry) -> None:
    att = {"sha256": SHA.upper(), "size_bytes": 1024, "media_type": " Image/PNG "}
    c = validate_complaint(body(attachments=[att]), registry, now=NOW)
    assert (c.attachments[0].sha256, c.attachments[0].media_type) == (SHA, "image/png")


def test_clock_skew_of_a_few_minutes_is_tolerated(registry: DivisionRegistry) -> None:
    ahead = (NOW + timedelta(minutes=2)).isoformat()
    assert validate_complaint(body(received_at=ahead), registry, now=NOW).received_at > NOW


@pytest.mark.parametrize(
    ("contact", "field", "code"),
    [
        ({"name": "陈某某", "phone": "1381234567"}, "reporter.contact.phone", ErrorCode.BAD_PHONE),
        ({"name": "陈某某", "email": "chen@"}, "reporter.contact.email", ErrorCode.BAD_EMAIL),
        ({"name": "陈某某", "phone": "13812345678", "id_number": "350605199001011235"},
         "reporter.contact.id_number", ErrorCode.BAD_ID_NUMBER),
        ({"name": "陈某某"}, "reporter", ErrorCode.CONTACT_REQUIRED),
    ],
)
def test_contact_details_are_checked(
    registry: DivisionRegistry, contact: dict[str, str], field: str, code: ErrorCode
) -> None:
    reporter = {"mode": "confidential", "contact": contact}
    assert errors_of(registry, body(reporter=reporter)) == {field: code}


def test_anonymous_reporter_with_identity_is_refused_not_silently_kept(
    registry: DivisionRegistry,
) -> None:
    reporter = {"mode": "anonymous", "contact": {"phone": "13812345678"}}
    assert errors_of(registry, body(reporter=reporter)) == {"reporter": ErrorCode.CONTACT_NOT_ALLOWED}


def test_named_reporter_contact_is_normalised(registry: DivisionRegistry) -> None:
    reporter = {
        "mode": "named",
        "contact": {"name": "陈某某", "phone": "+86 138-1234-5678", "email": "Chen@Example.COM",
                    "id_number": "11010519491231002x"},
    }
    c = validate_complaint(body(reporter=reporter), registry, now=NOW)
    assert c.reporter is not None and c.reporter.contact is not None
    assert c.reporter.contact.phone == "13812345678"
    assert c.reporter.contact.email == "chen@example.com"
    assert c.reporter.contact.id_number == "11010519491231002X"


def test_error_body_is_a_list_of_field_code_message(registry: DivisionRegistry) -> None:
    with pytest.raises(IntakeRejected) as caught:
        validate_complaint(body(category="x", place_code="350605200299"), registry, now=NOW)
    assert sorted(caught.value.as_body(), key=lambda e: e["field"]) == [
        {"field": "category", "code": "unknown_category", "message": caught.value.errors[0].message},
        {"field": "place_code", "code": "unknown_division", "message": "村级区划代码 350605200299 不存在"},
    ]
