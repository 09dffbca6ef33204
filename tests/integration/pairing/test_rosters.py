"""Rotation rosters over HTTP on 漳浦县's 25 real towns: county–township pairing and cross-town
inspection, with no repeated, forbidden or reciprocal pair, exported as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from services.pairing.adapters.divisions import Divisions
from services.pairing.settings import REPO_DIVISIONS
from tests.integration.pairing.harness import OFFICER, Pairing, officer

pytestmark = pytest.mark.infra

ZHANGPU, JIUZHEN, FOTAN, DUXUN = "350623", "350623101", "350623102", "350623104"
UNITS = ("漳浦县纪委监委第一监督检查室", "漳浦县纪委监委第二监督检查室", "漳浦县纪委监委派驻第一纪检监察组")


@pytest.fixture(scope="module")
async def county(pairing: Pairing) -> AsyncIterator[tuple[Pairing, list[str]]]:
    """Three county units; one of the first unit's officers was born in 杜浔镇 (林前村), so that
    unit is never paired with 杜浔镇; a 佛昙镇 officer was born in 旧镇镇, so 佛昙镇 never inspects it."""
    bodies = [
        officer("U-1", "county_dept", UNITS[0], ZHANGPU, native_village_code="350623104210"),
        officer("U-2", "county_dept", UNITS[1], ZHANGPU),
        officer("U-3", "dispatched_group", UNITS[2], ZHANGPU),
        officer("F-1", "township", "佛昙镇纪委", ZHANGPU, FOTAN, native_village_code="350623101226"),
    ]
    for body in bodies:
        await pairing.call("PUT", f"/officers/{body['id']}", json=body)
    yield pairing, list(Divisions.load(REPO_DIVISIONS).towns(ZHANGPU))


async def roster(p: Pairing, kind: str, period: str, expect: int = 201) -> dict[str, object]:
    body = {"kind": kind, "county_code": ZHANGPU, "period": period, "published_value": "20250101-lottery"}
    out: dict[str, object] = await p.call("POST", "/rosters", expect, json=body)
    return out


def pairs(view: dict[str, object]) -> set[tuple[str, str]]:
    return {(p["inspector"], p["inspected"]) for p in view["pairs"]}  # type: ignore[attr-defined]


async def test_county_township_pairing_rotates_without_repeats(county: tuple[Pairing, list[str]]) -> None:
    p, towns = county
    assert len(towns) == 25
    q1 = await roster(p, "county_township", "2025-Q1")
    assert Counter(t for _, t in pairs(q1)) == dict.fromkeys(towns, 1)  # every town one unit
    assert max(Counter(u for u, _ in pairs(q1)).values()) <= 9  # ceil(25 towns / 3 units)
    assert (UNITS[0], DUXUN) not in pairs(q1) and [UNITS[0], DUXUN] in q1["forbidden"]  # type: ignore[operator]
    again = await roster(p, "county_township", "2025-Q1", 409)
    assert again["error"]["code"] == "roster_exists"  # type: ignore[index]

    q2 = await roster(p, "county_township", "2025-Q2")
    assert q2["avoided_periods"] == ["2025-Q1"] and not pairs(q1) & pairs(q2)
    # 杜浔镇 has two allowed units and used both: the rotation starts again from the oldest period
    q3 = await roster(p, "county_township", "2025-Q3")
    assert q3["avoided_periods"] == ["2025-Q2"] and not pairs(q2) & pairs(q3)
    assert (UNITS[0], DUXUN) not in pairs(q3)

    text = await p.call("GET", f"/rosters/{q1['roster_id']}.csv", headers=OFFICER)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 25 and {r["period"] for r in rows} == {"2025-Q1"}
    assert {(r["inspector"], r["inspected"]) for r in rows} == pairs(q1)
    assert next(r for r in rows if r["inspected"] == JIUZHEN)["inspected_name"] == "旧镇镇"
    assert (await p.call("GET", f"/rosters/{q1['roster_id']}")) == q1


async def test_cross_town_inspection_has_no_self_reciprocal_forbidden_or_repeated_pair(
        county: tuple[Pairing, list[str]]) -> None:
    p, towns = county
    first = await roster(p, "cross_town", "2025-Q1")
    second = await roster(p, "cross_town", "2025-Q2")
    for view in (first, second):
        found = pairs(view)
        assert Counter(b for _, b in found) == dict.fromkeys(towns, 1)
        assert Counter(a for a, _ in found) == dict.fromkeys(towns, 1)
        assert all(a != b and (b, a) not in found for a, b in found)
        assert (FOTAN, JIUZHEN) not in found
    assert not pairs(first) & pairs(second)


async def test_roster_input_errors(county: tuple[Pairing, list[str]]) -> None:
    p, _ = county
    unknown = await p.call("POST", "/rosters", 422, json={"kind": "cross_town", "county_code": "350699",
                                                          "period": "2025"})
    assert unknown["error"]["code"] == "unknown_county"
    bad = await p.call("POST", "/rosters", 422,
                       json={"kind": "zones", "county_code": ZHANGPU, "period": "2025"})
    assert bad["error"]["code"] == "validation_failed"
    await p.call("GET", "/rosters/00000000-0000-0000-0000-000000000000", 404)
