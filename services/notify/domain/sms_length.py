"""How many SMS segments (短信条数) a text costs.

Any Chinese character forces UCS-2: 70 characters in one segment, 67 per segment once the
message is split (the rest of each segment carries the concatenation header). Pure GSM 7-bit
text fits 160, or 153 per segment; the extension characters (^{}[]~|€ and friends) take two
septets. UCS-2 counts UTF-16 code units, so an emoji costs two.
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = "\f^{}\\[~]|€"
_GSM_BASIC_SET = frozenset(_GSM_BASIC)
_GSM_EXTENSION_SET = frozenset(_GSM_EXTENSION)


@dataclass(frozen=True, slots=True)
class SmsLength:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets for gsm7, UTF-16 code units for ucs2
    segments: int


def _gsm7_units(text: str) -> int | None:
    units = 0
    for char in text:
        if char in _GSM_BASIC_SET:
            units += 1
        elif char in _GSM_EXTENSION_SET:
            units += 2
        else:
            return None
    return units


def sms_length(text: str) -> SmsLength:
    """Encoding, length and segment count of `text` as a carrier would bill it."""
    gsm_units = _gsm7_units(text)
    if gsm_units is not None:
        encoding, units, single, multi = "gsm7", gsm_units, 160, 153
    else:
        encoding, single, multi = "ucs2", 70, 67
        units = len(text.encode("utf-16-le")) // 2
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0)
    return SmsLength(encoding, units, -(-units // multi))
