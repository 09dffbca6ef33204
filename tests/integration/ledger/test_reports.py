"""Statements (对账单) opened and checked as JSON, CSV and XLSX; one list per town (一镇一清单);
quarterly themes (一季度一主题); scorecards (成绩单) with "resolved" and "satisfied" apart;
statistics with year-on-year change (同比); class-of-case detection and its lifecycle (类案促改).

The module builds a small ledger for 漳浦县 (350623) through the API, on the 2025 calendar."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from services.ledger.domain.exports import DETAIL_HEADERS, SUMMARY_HEADERS
from tests.integration.ledger.harness import ADMIN, Ledger

pytestmark = pytest.mark.infra
_n = itertools.count(1)
ASSIGN = {"responsible": [{"person_id": "cadre-201", "name": "郑某", "role": "村委会主任",
                           "lead": True}],
          "unit": {"unit_id": "unit-village", "name": "村民委员会"}}
REVIEWER = {"person_id": "county-reviewer-7"}  # 县纪委监委: from no town at all


@pytest.fixture(scope="module")
def ledger_settings() -> dict[str, Any]:
    # A low threshold so a handful of registrations open a class-of-case item.
    return {"class_of_case_rules": [{"rule_id": "bidding", "label": "村级小型工程招投标问题",
                                     "category": "bidding", "min_villages": 3,
                                     "period": "quarter"}]}


async def on(ledger: Ledger, day: tuple[int, int, int], path: str, body: dict[str, Any] | None
             = None, expect: int = 200) -> dict[str, Any]:
    ledger.clock.set(*day)
    return await ledger.post(path, body, expect=expect)


async def register(ledger: Ledger, day: tuple[int, int, int], village: str,
                   category: str = "sanzi", title: str = "村集体鱼塘承包合同到期未收回") -> str:
    body = await on(ledger, day, "/problems", {
        "title": f"{title}（{next(_n)}）", "category": category, "source": "special_campaign",
        "place_code": village}, expect=201)
    return str(body["id"])


async def work_to_close(ledger: Ledger, pid: str, day: tuple[int, int, int],
                        recovered: dict[str, Any], close_day: tuple[int, int, int]) -> None:
    await on(ledger, day, f"/problems/{pid}/assign", ASSIGN)
    await on(ledger, day, f"/problems/{pid}/plan", {"due": f"{day[0]}-{day[1]:02d}-28", "measures": [
        {"measure_id": "m1", "description": "收回鱼塘并重新公开发包",
         "due": f"{day[0]}-{day[1]:02d}-25"}]})
    await on(ledger, day, f"/problems/{pid}/measures/m1/complete")
    await on(ledger, day, f"/problems/{pid}/evidence", {
        "evidence_id": f"ev-{pid[:6]}", "kind": "contract", "sha256": "3a" * 32,
        "description": "新签承包合同"})
    await on(ledger, day, f"/problems/{pid}/submit", {"summary": "已整改", "claimed": recovered})
    await on(ledger, close_day, f"/problems/{pid}/review/pass",
             {"reviewer": REVIEWER, "verified": recovered})
    await on(ledger, close_day, f"/problems/{pid}/close", {"note": "对账销号"})


@pytest.fixture(scope="module")
async def q3(ledger: Ledger) -> dict[str, str]:
    """Q3 2025 in 漳浦县: one item carried over (and overdue), one closed with money and land
    recovered, one closed then reopened, one merged as a duplicate, one found a year before."""
    carried = await register(ledger, (2025, 6, 10), "350623101226")  # 旧镇镇狮头村
    await on(ledger, (2025, 6, 10), f"/problems/{carried}/assign", ASSIGN)
    closed = await register(ledger, (2025, 7, 7), "350623101201")  # 旧镇镇旧城村
    await work_to_close(ledger, closed, (2025, 7, 8),
                        {"yuan": "100000.00", "mu": "35.50", "contracts": 2}, (2025, 8, 12))
    await on(ledger, (2025, 8, 13), f"/problems/{closed}/discipline", {"people": [
        {"person_id": "cadre-301", "measure": "admonishment"},
        {"person_id": "cadre-302", "measure": "party_discipline"}]})
    reopened = await register(ledger, (2025, 8, 1), "350623102201")  # 佛昙镇园东村
    await work_to_close(ledger, reopened, (2025, 8, 4),
                        {"yuan": "20000.00", "mu": "0", "contracts": 1}, (2025, 8, 20))
    await on(ledger, (2025, 9, 2), f"/problems/{reopened}/reopen", {"reason": "回访发现仍未整改"})
    merged = await register(ledger, (2025, 8, 5), "350623102204")  # 佛昙镇石门村
    await on(ledger, (2025, 8, 5), f"/problems/{merged}/merge", {"into_problem_id": reopened})
    earlier = await register(ledger, (2024, 8, 5), "350623101202")  # a year before (同比)
    await work_to_close(ledger, earlier, (2024, 8, 6),
                        {"yuan": "8000.00", "mu": "2.00", "contracts": 1}, (2024, 8, 20))
    return {"carried": carried, "closed": closed, "reopened": reopened, "merged": merged,
            "earlier": earlier}


async def test_the_statement_reconciles_and_exports_to_csv_and_xlsx(
        ledger: Ledger, q3: dict[str, str]) -> None:
    ledger.clock.set(2025, 10, 10)  # the quarter is over: stated as of its last day
    r = await ledger.http.get("/statements/350623", params={"period": "2025Q3"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    stmt = r.json()
    assert stmt["area_name"] == "漳浦县" and stmt["as_of"] == "2025-09-30"
    rows = {row["area_code"]: row for row in stmt["rows"]}
    jiuzhen, fotan, total = rows["350623101"], rows["350623102"], stmt["total"]
    assert jiuzhen["area_name"] == "旧镇镇" and fotan["area_name"] == "佛昙镇"
    assert (jiuzhen["carried_over"], jiuzhen["opened"], jiuzhen["closed"],
            jiuzhen["open_at_end"], jiuzhen["overdue"]) == (1, 1, 1, 1, 1)
    assert (fotan["opened"], fotan["closed"], fotan["reopened"], fotan["merged"],
            fotan["open_at_end"]) == (2, 1, 1, 1, 1)
    assert (Decimal(total["yuan"]), Decimal(total["mu"]), total["contracts"]) == (
        Decimal("120000.00"), Decimal("35.50"), 3)
    for row in [*stmt["rows"], total]:
        assert (row["carried_over"] + row["opened"] + row["reopened"] - row["closed"]
                - row["merged"] == row["open_at_end"])

    r = await ledger.http.get("/statements/350623", headers=ADMIN,
                              params={"period": "2025Q3", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert "statement-350623-2025Q3.csv" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")  # with a BOM, so Excel reads the Chinese
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == SUMMARY_HEADERS
    assert table[-1][2] == "合计" and table[-1][10] == "120000.00" and table[-1][11] == "35.50"
    assert [line[1] for line in table[1:-1]] == ["350623101", "350623102"]

    r = await ledger.http.get("/statements/350623", headers=ADMIN,
                              params={"period": "2025Q3", "format": "csv", "part": "details"})
    details = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(details[0]) == DETAIL_HEADERS
    assert {line[0] for line in details[1:]} == {q3["carried"], q3["closed"], q3["reopened"],
                                                 q3["merged"]}

    r = await ledger.http.get("/statements/350623", headers=ADMIN,
                              params={"period": "2025Q3", "format": "xlsx"})
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''%E5%AF%B9%E8%B4%A6%E5%8D%95" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["对账单", "明细"]
    sheet = wb["对账单"]
    assert "漳浦县 对账单 2025-07-01~2025-09-30" in str(sheet["A1"].value)
    assert tuple(c.value for c in sheet[2]) == SUMMARY_HEADERS
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[2] == "合计" and Decimal(str(last[10])) == Decimal("120000.00")
    assert wb["明细"].max_row == 1 + 4

    r = await ledger.http.get("/statements/350623101", headers=ADMIN, params={"period": "2025Q3"})
    villages = {row["area_code"] for row in r.json()["rows"]}
    assert villages == {"350623101226", "350623101201"}  # a town statement has village rows


async def test_the_town_list_puts_the_overdue_item_first(ledger: Ledger, q3: dict[str, str]
                                                         ) -> None:
    r = await ledger.http.get("/towns/350623101/list", params={"today": "2025-09-30"},
                              headers=ADMIN)
    body = r.json()
    assert body["town_name"] == "旧镇镇"
    first = body["items"][0]
    assert first["problem_id"] == q3["carried"] and first["overdue"] is True
    assert first["responsible"] == "郑某" and first["unit"] == "村民委员会"
    assert q3["closed"] not in [i["problem_id"] for i in body["items"]]
    r = await ledger.http.get("/towns/350623101/list", headers=ADMIN,
                              params={"today": "2025-09-30", "include_closed": "true"})
    assert q3["closed"] in [i["problem_id"] for i in r.json()["items"]]


async def test_a_quarterly_theme_tags_the_quarters_problems_now_and_later(
        ledger: Ledger, q3: dict[str, str]) -> None:
    theme = {"theme_id": "2025q3-sanzi", "area_code": "350623", "year": 2025, "quarter": 3,
             "topic": "村集体“三资”管理专项监督", "categories": ["sanzi"]}
    created = await on(ledger, (2025, 9, 5), "/themes", theme, expect=201)
    # registered in the quarter: the carried-over item (Q2) is not, the merged one is left alone
    assert created["tagged_now"] == 2
    again = await on(ledger, (2025, 9, 5), "/themes", theme, expect=200)
    assert again["tagged_now"] == 0
    await on(ledger, (2025, 9, 5), "/themes", {**theme, "topic": "别的主题"}, expect=409)
    later = await register(ledger, (2025, 9, 8), "350623101203")
    assert "theme:2025q3-sanzi" in (await ledger.problem(later))["tags"]
    r = await ledger.http.get("/themes/2025q3-sanzi", headers=ADMIN)
    progress = r.json()
    assert {p["id"] for p in progress["problems"]} == {q3["closed"], q3["reopened"], later}
    assert (progress["closed"], progress["open"]) == (1, 2)
    r = await ledger.http.get("/problems", params={"tag": "theme:2025q3-sanzi"}, headers=ADMIN)
    assert len(r.json()["items"]) == 3


async def test_scorecards_report_resolved_and_satisfied_separately_and_appeals_count(
        ledger: Ledger, q3: dict[str, str]) -> None:
    pid = q3["closed"]
    await on(ledger, (2025, 8, 14), f"/problems/{pid}/ratings", {
        "rater_kind": "department", "rater_id": "county-agri-bureau", "score": 5,
        "resolved": True, "rating_id": "rt-dept"})
    await on(ledger, (2025, 8, 14), f"/problems/{pid}/ratings", {
        "rater_kind": "organisation", "rater_id": "town-party-committee", "score": 2,
        "resolved": True, "rating_id": "rt-org"})
    r = await ledger.http.post(f"/problems/{pid}/ratings", headers=ADMIN, json={
        "rater_kind": "reporter", "rater_id": "x", "score": 1, "resolved": False})
    assert r.status_code == 422  # reporters rate through intake, not here
    problem = await ledger.problem(pid)
    assert problem["status"] == "closed"  # only a reporter's bad rating sends it back
    card = (await ledger.http.get("/scorecards/350623", params={"period": "2025Q3"},
                                  headers=ADMIN)).json()
    assert (card["overall"]["rated"], card["overall"]["resolved"],
            card["overall"]["satisfied"]) == (2, 2, 1)
    assert (card["overall"]["resolved_rate"], card["overall"]["satisfied_rate"]) == (
        "100.0", "50.0")
    assert card["by_rater"]["organisation"]["dissatisfied"] == 1
    await on(ledger, (2025, 8, 15), f"/problems/{pid}/ratings/rt-org/appeal",
             {"reason": "整改已到位，评价依据不实"})
    await on(ledger, (2025, 8, 20), f"/problems/{pid}/ratings/rt-org/appeal/decision",
             {"upheld": True, "note": "经核实申诉成立"})
    card = (await ledger.http.get("/scorecards/350623", params={"period": "2025Q3"},
                                  headers=ADMIN)).json()
    assert (card["overall"]["rated"], card["overall"]["satisfied_rate"],
            card["appeals_upheld"]) == (1, "100.0", 1)


async def test_statistics_with_year_on_year_change(ledger: Ledger, q3: dict[str, str]) -> None:
    r = await ledger.http.get("/statistics/350623", params={"period": "2025Q3"}, headers=ADMIN)
    figures = r.json()
    current, previous = figures["current"], figures["previous"]
    assert current["problems_found"] >= 3 and previous["problems_found"] == 1
    assert (current["cases_disciplined"], current["people_disciplined"]) == (1, 2)
    assert (Decimal(current["yuan_recovered"]), Decimal(current["mu_recovered"]),
            current["contracts_rectified"]) == (Decimal("120000.00"), Decimal("35.50"), 3)
    assert current["problems_solved"] == 1  # the reopened one is not solved
    assert Decimal(figures["change"]["problems_found"]) == Decimal(
        (current["problems_found"] - 1) * 100)
    assert figures["change"]["cases_disciplined"] is None  # from zero: undefined, not infinite


async def test_problems_in_three_villages_open_a_class_of_case_item_with_its_own_lifecycle(
        ledger: Ledger) -> None:
    villages = ["350623104201", "350623104202", "350623104203", "350623104204"]
    first = [await register(ledger, (2025, 10, 9 + i), v, "bidding", "村道硬化工程未公开招标")
             for i, v in enumerate(villages[:2])]
    r = await ledger.http.get("/class-cases", params={"county_code": "350623"}, headers=ADMIN)
    assert r.json()["items"] == []  # two villages are not a class yet
    third = await register(ledger, (2025, 10, 13), villages[2], "bidding", "村部修缮工程化整为零")
    [item] = (await ledger.http.get("/class-cases", params={"county_code": "350623"},
                                    headers=ADMIN)).json()["items"]
    case_id = item["id"]
    assert case_id == "class:350623:bidding:2025-10-01"
    assert (item["status"], item["village_count"], sorted(item["members"])) == (
        "opened", 3, sorted([*first, third]))
    [opened] = await ledger.outbox("class_of_case.opened.v1")
    assert (opened["county_code"], opened["category"], opened["villages"]) == (
        "350623", "bidding", 3)
    fourth = await register(ledger, (2025, 10, 14), villages[3], "bidding")
    case = (await ledger.http.get(f"/class-cases/{case_id}", headers=ADMIN)).json()
    assert fourth in case["members"] and case["village_count"] == 4

    await on(ledger, (2025, 10, 20), f"/class-cases/{case_id}/review", {"passed": True},
             expect=409)
    await on(ledger, (2025, 11, 3), f"/class-cases/{case_id}/adopt-measure", {
        "title": "村级小型工程项目管理十项清单", "document_ref": "漳浦纪〔2025〕12号"})
    failed = await on(ledger, (2025, 11, 20), f"/class-cases/{case_id}/review",
                      {"passed": False, "note": "清单未覆盖化整为零的情形"})
    assert (failed["status"], failed["reviews_failed"]) == ("opened", 1)
    await on(ledger, (2025, 11, 24), f"/class-cases/{case_id}/adopt-measure", {
        "title": "村级小型工程项目管理十二项清单", "document_ref": "漳浦纪〔2025〕15号"})
    await on(ledger, (2025, 12, 8), f"/class-cases/{case_id}/review", {"passed": True})
    done = await on(ledger, (2025, 12, 15), f"/class-cases/{case_id}/close", {"note": "完结"})
    assert done["status"] == "closed" and done["measure"]["title"].endswith("十二项清单")
    assert [h["action"] for h in done["timeline"]] == [
        "open", "attach_members", "adopt_measure", "review", "adopt_measure", "review", "close"]
    changes = await ledger.outbox("class_of_case.status_changed.v1")
    assert [c["to_status"] for c in changes] == [
        "measure_adopted", "opened", "measure_adopted", "reviewed", "closed"]
