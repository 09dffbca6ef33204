"""Many realistic complaints on real places, for bulk-import tests and the intake benchmark.

Places are Zhangzhou's real villages (statistical division codes); texts are built from the kinds
of problem in DOMAIN.md, varied enough that most reports are different problems and some are
repeats, which is what intake sees in practice.
"""

from __future__ import annotations

import csv
import random
from functools import cache
from pathlib import Path
from typing import Any

DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "divisions"

_TEMPLATES = {
    "sanzi": ["{v}集体{a}承包合同到期后仍被原承包户占用,租金{n}万元未收回。",
              "{v}{a}以明显低于市场价发包给村干部亲属,合同未经村民代表会议表决。",
              "{v}出租{a}的收入{n}万元没有入村集体账,账目不公开。"],
    "bidding": ["{v}道路硬化工程未经招标直接交给村主任亲戚施工,工程款{n}万元。",
                "{v}{a}修缮项目拆分成几个小工程规避招标,施工质量差。"],
    "conduct": ["{v}干部办事要求送礼,开具证明时态度恶劣,多次往返办不成。",
                "{v}村委会预先加盖公章的空白证明随意给人使用。"],
    "benefits": ["{v}低保名单中有村干部亲属,真正困难户评不上,名单未公示。",
                 "{v}种粮补贴被少发,每亩只拿到一半,差额{n}元去向不明。"],
    "ecology": ["{v}附近养猪场污水直排小溪,臭味刺鼻,下游{a}受影响。",
                "{v}有人在河道非法采砂,晚上作业,河岸塌陷。"],
    "livelihood": ["{v}上游村筑坝截水,下游{n}十亩农田缺水灌溉,两村发生纠纷。",
                   "{v}与邻村山界没划清,双方在{a}发生争执。"],
    "other": ["{v}反映村里公共厕所长期无人管理。", "{v}路灯损坏多月无人维修。"],
}
_ASSETS = ["鱼塘", "果园", "山林", "旧校舍", "店面", "厂房", "茶山", "林地"]


@cache
def zhangzhou_villages() -> tuple[str, ...]:
    with (DIVISIONS / "fujian_villages.csv").open(encoding="utf-8") as fh:
        return tuple(r["code"] for r in csv.DictReader(fh) if r["code"].startswith("3506"))


def complaint(n: int, ref: str, rng: random.Random) -> dict[str, Any]:
    """A canonical 12345 complaint on a real village, anonymous or confidential."""
    category = rng.choice(list(_TEMPLATES))
    text = rng.choice(_TEMPLATES[category]).format(
        v=f"第{n}号反映:", a=rng.choice(_ASSETS), n=rng.randint(2, 90))
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "external_ref": ref,
        "place_code": rng.choice(zhangzhou_villages()),
        "category": category,
        "description": text,
        "reporter": {"mode": "anonymous"},
    }
    if n % 5 == 0:
        body["reporter"] = {"mode": "confidential",
                            "contact": {"name": "陈某", "phone": f"138{rng.randint(0, 99_999_999):08d}"}}
    if category in ("sanzi", "bidding") and n % 2:
        body["amount_yuan"] = f"{rng.randint(1_000, 900_000)}.00"
    return body
