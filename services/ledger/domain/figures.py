"""Percentages as reported in statements: one decimal place, None when undefined."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_TENTH = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage (e.g. 87.5); None when there is nothing to divide by."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def change_percent(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """Year-on-year change (同比) in percent: -26.1 means down 26.1%.

    0 -> 0 is no change (0.0); anything -> from 0 is undefined (None), never infinity.
    """
    cur, prev = Decimal(current), Decimal(previous)
    if prev == 0:
        return Decimal("0.0") if cur == 0 else None
    return ((cur - prev) * 100 / prev).quantize(_TENTH, rounding=ROUND_HALF_UP)
