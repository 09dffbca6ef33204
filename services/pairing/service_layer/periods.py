"""Rounds (轮次) are calendar months in China time: round index = 12 * year + month - 1.

The domain only compares round indexes ("within the last M rounds"), so any monotone index
works; months match how commissions plan (月度派组) and make the index readable back.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def round_of_day(day: date) -> int:
    return 12 * day.year + day.month - 1


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def round_of_period(period: str) -> int:
    if not re.match(PERIOD_PATTERN, period):
        raise ValueError(f"bad period {period!r} (YYYY-MM)")
    return 12 * int(period[:4]) + int(period[5:7]) - 1


def period_of_round(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
