from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.intake.domain.divisions import DivisionRegistry

REPO = Path(__file__).resolve().parents[3]
DIVISIONS = REPO / "data" / "divisions"

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 6, 3, 10, 0, tzinfo=CST)

# Real places (statistical division codes), used throughout the tests.
ZHENGDA = "350605200206"  # 长泰区坂里乡正达村
DANYAN = "350605200205"  # 长泰区坂里乡丹岩村
BANLI = "350605200"  # 长泰区坂里乡
SHITOU = "350623101226"  # 漳浦县旧镇镇狮头村
TIANCUO = "350624102209"  # 诏安县梅岭镇田厝村
XIAZHAI = "350628107"  # 平和县霞寨镇


@pytest.fixture(scope="session")
def registry() -> DivisionRegistry:
    return DivisionRegistry.from_csv_dir(DIVISIONS)
