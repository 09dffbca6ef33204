"""Demo data on real places: officers for every town of Zhangzhou (漳州) from the official codes.

People are fictional (generated names); places are the real statistical divisions.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from deploy.local.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
DIVISIONS = ROOT / "data" / "divisions"
SURNAMES = "林陈黄吴郑张杨蔡王李许曾沈戴"
GIVEN = ("志强", "丽华", "建平", "秀英", "国栋", "晓燕", "文斌", "海燕", "永福", "美玲", "伟东", "淑芬")
SKILL_CYCLE = (["finance"], ["engineering"], ["ecology"], ["law"], ["finance", "law"], ["conduct"])


def zhangzhou_towns() -> list[dict[str, str]]:
    with (DIVISIONS / "fujian_towns.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["cityCode"] == "3506"]


def zhangzhou_counties() -> list[dict[str, str]]:
    with (DIVISIONS / "fujian_counties.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["cityCode"] == "3506"]


def demo_officers() -> list[dict[str, Any]]:
    officers: list[dict[str, Any]] = []
    n = 0

    def name() -> str:
        return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]

    for town in zhangzhou_towns():
        for seat in range(2):  # a township commission usually has two full-time officers
            officers.append({
                "id": f"T{town['code']}-{seat + 1}", "name": name(), "kind": "township",
                "unit": f"{town['name']}纪委", "county_code": town["areaCode"],
                "town_code": town["code"], "skills": SKILL_CYCLE[n % len(SKILL_CYCLE)],
                "capacity": 6,
            })
            n += 1
    for county in zhangzhou_counties():
        for seat, unit in enumerate(("党风政风监督室", "派驻第一纪检监察组", "案件监督管理室")):
            officers.append({
                "id": f"C{county['code']}-{seat + 1}", "name": name(),
                "kind": "county_dept" if seat != 1 else "dispatched_group",
                "unit": f"{county['name']}纪委监委{unit}", "county_code": county["code"],
                "town_code": None, "skills": SKILL_CYCLE[n % len(SKILL_CYCLE)], "capacity": 10,
            })
            n += 1
    return officers


def seed(stack: Stack, token: str = "demo-admin-token") -> dict[str, Any]:
    pairing = stack.services["pairing"].url
    headers = {"Authorization": f"Bearer {token}"}
    officers = demo_officers()
    notify = stack.services["notify"].url if "notify" in stack.services else None
    with httpx.Client(headers=headers, timeout=10) as client:
        for officer in officers:
            client.put(f"{pairing}/officers/{officer['id']}", json=officer).raise_for_status()
            if notify:
                # Reserved example domain: demo mail goes to the development file sink.
                contact = {"email": f"{officer['id'].lower()}@example.org", "channels": ["email"]}
                client.put(f"{notify}/officers/{officer['id']}/contact", json=contact).raise_for_status()
        if notify:
            for county in zhangzhou_counties():
                contact = {"email": f"jw{county['code']}@example.org", "channels": ["email"]}
                client.put(f"{notify}/counties/{county['code']}/contact", json=contact).raise_for_status()
    return {"officers": len(officers), "towns": len(zhangzhou_towns())}
