"""Fixtures on the real division codes (the copy in data/divisions)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from services.pairing.domain.instances import ZHANGZHOU, Divisions, load_divisions
from services.pairing.domain.model import Context, Officer, OfficerKind, Post, Skill

REPO = Path(__file__).resolve().parents[3]
DIVISIONS = Path(os.environ.get("PAIRING_DIVISIONS", REPO / "data" / "divisions"))

# real places (漳浦县 旧镇镇 狮头村, 绥安镇, 佛昙镇; 云霄县 云陵镇; 诏安县 南诏镇)
ZHANGPU = "350623"
JIUZHEN = "350623101"
SHITOU = "350623101226"
JIUCHENG = "350623101201"
SUIAN = "350623100"
FOTAN = "350623102"
YUNXIAO_YUNLING = "350622100"
YUNLING_VILLAGE = "350622100201"
ZHAOAN_NANZHAO = "350624100"
NANZHAO_VILLAGE = "350624100201"
AS_OF = date(2024, 6, 30)
CTX = Context(as_of=AS_OF, round=10)


@pytest.fixture(scope="session")
def fujian() -> Divisions:
    if not (DIVISIONS / "fujian_towns.csv").exists():
        pytest.fail(f"division codes not found at {DIVISIONS} (set PAIRING_DIVISIONS)")
    return load_divisions(DIVISIONS)


@pytest.fixture(scope="session")
def zhangzhou(fujian: Divisions) -> Divisions:
    return fujian.restrict(ZHANGZHOU)


def township(oid: str, town: str, **kw: object) -> Officer:
    fields: dict[str, object] = {
        "name": f"官员{oid}",
        "kind": OfficerKind.TOWNSHIP,
        "post": Post("乡镇纪委", town[:6], town),
        "skills": frozenset({Skill.FINANCE, Skill.LAW}),
        "capacity": 3,
    }
    fields.update(kw)
    return Officer(id=oid, **fields)  # type: ignore[arg-type]


def county_officer(oid: str, county: str, **kw: object) -> Officer:
    fields: dict[str, object] = {
        "kind": OfficerKind.COUNTY_DEPT,
        "post": Post("县纪委监委", county),
    }
    fields.update(kw)
    return township(oid, county + "100", **fields)
