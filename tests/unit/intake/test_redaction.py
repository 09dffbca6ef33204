from __future__ import annotations

import uuid

import pytest

from services.intake.domain.protection.redaction import PiiKind, find_pii, redact
from services.intake.domain.protection.reporter import new_reporter_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("举报人电话13812345678,请回电", "举报人电话[PHONE],请回电"),
        ("手机 +86 138-1234-5678", "手机 [PHONE]"),
        ("座机0596-3212345", "座机[PHONE]"),
        ("身份证350605199001011234。", "身份证[ID]。"),
        ("身份证号11010519491231002x", "身份证号[ID]"),
        ("邮箱 chen.li@example.com 联系", "邮箱 [EMAIL] 联系"),
        ("电话13812345678和13959612345", "电话[PHONE]和[PHONE]"),
    ],
)
def test_redact_masks_phones_ids_and_emails(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "place_code=350605200206 town=350605200",  # division codes are not personal
        "received_at=2024-06-03T09:30:00+08:00 amount=380000.00",
        "sha256=" + "0123456789" * 6 + "abcd",
        "work order ZZ12345-20240603-00871",
        "订单号GD13812345678X",  # digits glued to letters belong to a longer token
    ],
)
def test_ordinary_identifiers_are_not_taken_for_pii(text: str) -> None:
    assert find_pii(text) == [] and redact(text) == text


def test_uuids_and_refs_never_look_like_phones() -> None:
    tokens = [str(uuid.uuid4()) for _ in range(3000)] + [new_reporter_ref() for _ in range(3000)]
    assert [t for t in tokens if find_pii(t)] == []


def test_known_values_such_as_names_are_found_and_masked() -> None:
    text = "来电人郑某某反映,郑某某的邻居也知情"
    findings = find_pii(text, known_values=["郑某某"])
    assert [f.kind for f in findings] == [PiiKind.KNOWN, PiiKind.KNOWN]
    assert redact(text, ["郑某某"]) == "来电人[REDACTED]反映,[REDACTED]的邻居也知情"


def test_findings_carry_kind_and_position() -> None:
    text = "a chen@example.com b 13812345678"
    kinds = [(f.kind, text[f.start : f.end]) for f in find_pii(text)]
    assert kinds == [(PiiKind.EMAIL, "chen@example.com"), (PiiKind.MOBILE, "13812345678")]
