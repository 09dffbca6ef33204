"""Redaction 脱敏 and PII detection 个人信息识别 for logs and the no-PII test.

`redact` is what the lead's log filter applies to every record, and what intake applies to free
text before it leaves the service in an event. `find_pii` is the detector the end-to-end test runs
over every Kafka message and log line. Patterns favour over-matching: a masked work-order number
costs little, a leaked phone number costs a reporter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# Digits or ASCII letters on either side mean "part of a longer token" (hashes, UUIDs, codes).
_NOT_AFTER = r"(?<![0-9A-Za-z])"
_NOT_BEFORE = r"(?![0-9A-Za-z])"


class PiiKind(StrEnum):
    EMAIL = "email"  # 邮箱
    ID_NUMBER = "id_number"  # 身份证号
    MOBILE = "mobile"  # 手机号
    LANDLINE = "landline"  # 固定电话
    KNOWN = "known"  # a value the caller knows is personal (a reporter's name)


_PATTERNS: tuple[tuple[PiiKind, re.Pattern[str]], ...] = (
    (
        PiiKind.EMAIL,
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ),
    (
        PiiKind.ID_NUMBER,
        re.compile(
            _NOT_AFTER
            + r"[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
            + _NOT_BEFORE
        ),
    ),
    (
        PiiKind.MOBILE,
        re.compile(_NOT_AFTER + r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}" + _NOT_BEFORE),
    ),
    (PiiKind.LANDLINE, re.compile(_NOT_AFTER + r"0\d{2,3}[- ]\d{7,8}" + _NOT_BEFORE)),
)

MASKS = {
    PiiKind.EMAIL: "[EMAIL]",
    PiiKind.ID_NUMBER: "[ID]",
    PiiKind.MOBILE: "[PHONE]",
    PiiKind.LANDLINE: "[PHONE]",
    PiiKind.KNOWN: "[REDACTED]",
}


@dataclass(frozen=True, slots=True)
class PiiFinding:
    kind: PiiKind
    value: str
    start: int
    end: int


def find_pii(text: str, known_values: Iterable[str] = ()) -> list[PiiFinding]:
    """Every personal value in `text`: by pattern, plus exact occurrences of `known_values`."""
    findings: list[PiiFinding] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                findings.append(PiiFinding(kind, match.group(), match.start(), match.end()))
                taken.append((match.start(), match.end()))
    for value in sorted({v for v in known_values if v}, key=len, reverse=True):
        # Plain non-overlapping search, as `re.finditer(re.escape(value))` would find: a pattern
        # per reporter's name would be compiled anew for nearly every request (re's cache is small).
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            if free(start, end):
                findings.append(PiiFinding(PiiKind.KNOWN, value, start, end))
                taken.append((start, end))
            start = text.find(value, end)
    return sorted(findings, key=lambda f: f.start)


def redact(text: str, known_values: Iterable[str] = ()) -> str:
    """`text` with every finding replaced by its mask (`[PHONE]`, `[ID]`, `[EMAIL]` ...)."""
    out = []
    last = 0
    for finding in find_pii(text, known_values):
        out.append(text[last : finding.start])
        out.append(MASKS[finding.kind])
        last = finding.end
    out.append(text[last:])
    return "".join(out)
