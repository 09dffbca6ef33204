"""Duplicate clustering 重复举报归并 at accept: reports of one problem share its problem key, in the
same group commit or across commits; a different problem or category opens its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake

pytestmark = pytest.mark.infra

# One problem told three ways (from the labelled set's 正达村 water dispute). Places are real, so
# tests share them: each test keeps to its own 30-day window, which is what clustering compares in.
WATER = [
    "来电人反映:坂里乡正达村近两个月干旱,上游丹岩村在溪上筑坝把水全部截走,正达村下游几十亩水稻田没有水灌溉,请求协调放水。",
    "我们正达村的田已经干裂了,丹岩村那边把溪水拦住不放下来,秧苗快枯死了,村里去找过几次都没用。",
    "走访中三组村民集中反映:上游截水导致农田缺水,丹岩村拦坝后溪水断流,希望镇里出面调解两村用水。",
]
OTHER = "正达村村部旁边新开的石料厂每天爆破,震得村民房屋墙体开裂,粉尘很大。"


def report(ref: str, text: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "place_code": samples.ZHENGDA,
        "category": "livelihood",
        "description": text,
        "received_at": "2024-04-02T08:40:00+08:00",
        **overrides,
    }
    return samples.canonical(ref, **fields)


async def test_reports_of_one_problem_share_its_key(intake: Intake, unique: Callable[[str], str]) -> None:
    async with intake.client() as http:
        first = (await http.post("/complaints", json=report(unique("w0"), WATER[0]))).json()
        second = (await http.post("/complaints", json=report(unique("w1"), WATER[1]))).json()
        other = (await http.post("/complaints", json=report(unique("o"), OTHER))).json()
        elsewhere = (
            await http.post("/complaints", json=report(unique("w2"), WATER[2], category="ecology"))
        ).json()
    assert second["problem_key"] == first["problem_key"] == first["complaint_id"]
    assert other["problem_key"] == other["complaint_id"] != first["problem_key"]
    assert elsewhere["problem_key"] == elsewhere["complaint_id"]  # another category: never merged
    duplicate_of = await intake.scalar(
        "SELECT duplicate_of FROM complaints WHERE id = :c", c=second["complaint_id"]
    )
    assert duplicate_of == first["complaint_id"]
    event = await intake.rows("SELECT value FROM outbox WHERE aggregate_id = :c", c=second["complaint_id"])
    assert b'"duplicate_of":"' + first["complaint_id"].encode() in bytes(event[0].value)


async def test_duplicates_in_one_group_commit_cluster_too(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    async def send(i: int, text: str) -> dict[str, Any]:
        async with intake.client() as http:
            body = report(unique(f"g{i}"), text, received_at="2023-01-10T09:00:00+08:00")
            r = await http.post("/complaints", json=body)
            assert r.status_code == 201, r.text
            answer: dict[str, Any] = r.json()
            return answer

    answers = await asyncio.gather(*(send(i, t) for i, t in enumerate(WATER)))
    assert len({a["problem_key"] for a in answers}) == 1
    opened = [a for a in answers if a["problem_key"] == a["complaint_id"]]
    assert len(opened) == 1
