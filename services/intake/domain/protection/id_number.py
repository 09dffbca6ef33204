"""Resident ID number 居民身份证号码 (GB 11643-1999): format, birth date and check digit."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"[1-8]\d{16}[\dX]")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_id_number(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def id_number_problem(raw: str) -> str | None:
    """None when valid, else why not (a message, in Chinese, for the 422 body)."""
    number = normalise_id_number(raw)
    if len(number) == 15:
        return "15位旧身份证号已停用,请填写18位号码"
    if not _SHAPE.fullmatch(number):
        return "身份证号须为18位(末位可为X)"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if born.year < 1900:
        return "身份证号中的出生日期无效"
    if check_digit(number[:17]) != number[17]:
        return "身份证号校验位错误"
    return None


def is_valid_id_number(raw: str) -> bool:
    return id_number_problem(raw) is None
