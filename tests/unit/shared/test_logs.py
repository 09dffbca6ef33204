"""Log masking: phone numbers, ID numbers and e-mail addresses never reach the log line."""

from __future__ import annotations

import json
import logging

import pytest

from shared.logs import JsonFormatter, mask_personal_data
from shared.tracing import current_traceparent

ID_NUMBER = "35062319800101123X"
MOBILE = "13812345678"
LANDLINE = "0596-6123456"
EMAIL = "lin.zhiqiang+tip@example.com.cn"


@pytest.mark.parametrize(
    ("text", "label", "secret"),
    [
        (f"身份证{ID_NUMBER}。", "[身份证号]", ID_NUMBER),
        (f"身份证 {ID_NUMBER.lower()}", "[身份证号]", ID_NUMBER.lower()),
        (f"电话{MOBILE},请回电", "[手机号]", MOBILE),
        (f"座机 {LANDLINE}", "[电话]", LANDLINE),
        (f"邮箱 {EMAIL} 谢谢", "[邮箱]", EMAIL),
    ],
)
def test_each_kind_is_masked(text: str, label: str, secret: str) -> None:
    masked = mask_personal_data(text)
    assert secret not in masked
    assert label in masked


@pytest.mark.parametrize("written", [
    "+86-13812345678", "+8613812345678", "008613812345678", "8613812345678", "%2B8613812345678",
    "138 1234 5678", "138-1234-5678", "Tel13812345678",
])
def test_a_mobile_number_is_masked_however_it_is_written(written: str) -> None:
    masked = mask_personal_data(f"联系{written}。")
    assert "[手机号]" in masked and "1234" not in masked and "5678" not in masked


def test_an_id_number_after_a_letter_is_masked() -> None:
    assert mask_personal_data(f"x{ID_NUMBER}") == "x[身份证号]"


def test_an_id_number_is_not_half_masked_as_a_phone() -> None:
    assert mask_personal_data(f"证件{ID_NUMBER}") == "证件[身份证号]"


def test_ordinary_numbers_stay() -> None:
    text = "第12号工单,金额 38000 元,共 2024 户,工单号 GD-00000012"
    assert mask_personal_data(text) == text


def format_record(msg: str, *args: object, exc: bool = False, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("test", logging.WARNING, __file__, 1, msg, args, None)
    if exc:
        try:
            raise ValueError(f"bad phone {MOBILE}")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
    for key, value in extra.items():
        setattr(record, key, value)
    line = JsonFormatter("svc").format(record)
    assert "\n" not in line
    return json.loads(line)  # type: ignore[no-any-return]


def test_formatter_masks_message_args_extras_and_tracebacks() -> None:
    entry = format_record("reporter %s wrote", EMAIL, exc=True, description=f"联系 {MOBILE}")
    line = json.dumps(entry, ensure_ascii=False)
    for secret in (EMAIL, MOBILE):
        assert secret not in line
    assert entry["service"] == "svc" and entry["level"] == "WARNING"
    assert "[邮箱]" in str(entry["msg"]) and "[手机号]" in str(entry["description"])


def test_formatter_masks_structured_extras() -> None:
    entry = format_record("contact", contact={"phone": MOBILE, "ids": (ID_NUMBER,)}, phone=int(MOBILE),
                          error=ValueError(f"no such reporter {EMAIL}"))
    line = json.dumps(entry, ensure_ascii=False)
    assert MOBILE not in line and ID_NUMBER not in line and EMAIL not in line
    assert entry["contact"] == {"phone": "[手机号]", "ids": ["[身份证号]"]}
    assert entry["phone"] == "[手机号]"


def test_formatter_keeps_ordinary_extras_and_adds_the_trace_id() -> None:
    token = current_traceparent.set("00-" + "c" * 32 + "-" + "d" * 16 + "-01")
    try:
        entry = format_record("ok", attempt=2, ratio=0.5, flag=True, offsets=[1, 2])
    finally:
        current_traceparent.reset(token)
    assert entry["trace_id"] == "c" * 32
    assert (entry["attempt"], entry["ratio"], entry["flag"], entry["offsets"]) == (2, 0.5, True, [1, 2])
