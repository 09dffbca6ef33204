"""对账单 per county and town for 2024 Q1, exported to CSV and XLSX and opened again."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.ledger.domain.enums import Category, ProblemStatus
from services.ledger.domain.errors import Invalid
from services.ledger.domain.exports import (
    DETAIL_HEADERS,
    SUMMARY_HEADERS,
    details_csv,
    statement_csv,
    statement_xlsx,
)
from services.ledger.domain.period import Period
from services.ledger.domain.problem import Problem
from services.ledger.domain.statements import build_statement
from services.ledger.domain.town_list import town_list

from .factories import (
    CAL,
    HOUDAI,
    JIUCHENG,
    JIUZHEN_TOWN,
    NAMES,
    POLICY,
    SHIMEN,
    SHITOU,
    TIANCUO,
    YUANDONG,
    at,
    problem_in,
)

S = ProblemStatus
Q1 = Period.quarter(2024, 1)


@pytest.fixture(scope="module")
def ledger() -> dict[str, Problem]:
    a, _ = problem_in(S.ASSIGNED, start=at(2023, 12, 11, 8), place=SHITOU,
                      named=False)  # carried, overdue
    b, _ = problem_in(S.CLOSED, start=at(2024, 1, 8, 8), place=JIUCHENG,
                      named=False)  # opened+closed
    c, _ = problem_in(S.CLOSED, start=at(2023, 11, 6, 8), place=JIUZHEN_TOWN,
                      category=Category.CONDUCT, title="村务公开不及时", named=False)
    c.reopen(reason="回访发现问题反弹", actor="county", now=at(2024, 2, 5), policy=POLICY)
    d, _ = problem_in(S.REGISTERED, start=at(2024, 2, 19, 8), place=YUANDONG,
                      named=False)
    d.merge_into(into_problem_id=b.problem_id, actor="town", now=at(2024, 2, 20))
    e, _ = problem_in(S.RECTIFYING, start=at(2024, 3, 4, 8), place=YUANDONG,
                      named=False)
    f, _ = problem_in(S.CLOSED, start=at(2023, 10, 9, 8), place=SHIMEN,
                      named=False)  # untouched in Q1
    g, _ = problem_in(S.REGISTERED, start=at(2024, 4, 1, 8), place=HOUDAI,
                      named=False)  # after Q1
    h, _ = problem_in(S.ASSIGNED, start=at(2024, 1, 8, 8), place=TIANCUO,
                      named=False)  # 诏安县
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h}


def _row(values: object) -> tuple[object, ...]:
    r = values
    return (r.area_code, r.carried_over, r.opened, r.reopened, r.closed,  # type: ignore[attr-defined]
            r.merged, r.open_at_end, r.overdue, r.yuan, r.mu, r.contracts)  # type: ignore[attr-defined]


def test_county_statement_rows_reconcile(ledger: dict[str, Problem]) -> None:
    stmt = build_statement(ledger.values(), area_code="350623", period=Q1, cal=CAL, names=NAMES)
    assert stmt.area_name == "漳浦县" and stmt.as_of == date(2024, 3, 31)
    assert [_row(r) for r in stmt.rows] == [
        ("350623101", 1, 1, 1, 1, 0, 2, 2, Decimal("100000.00"), Decimal("35.5"), 2),
        ("350623102", 0, 2, 0, 0, 1, 1, 0, Decimal("0"), Decimal("0"), 0),
    ]
    assert [r.area_name for r in stmt.rows] == ["旧镇镇", "佛昙镇"]
    assert _row(stmt.total) == (
        "350623", 1, 3, 1, 1, 1, 3, 2, Decimal("100000.00"), Decimal("35.5"), 2)
    assert all(r.balances() for r in [*stmt.rows, stmt.total])
    assert [d.problem_id for d in stmt.details] == [
        ledger[k].problem_id for k in ("c", "b", "a", "d", "e")]
    closed = {d.problem_id: d.closed_on for d in stmt.details}
    assert closed[ledger["b"].problem_id] == date(2024, 1, 8)


def test_town_statement_has_one_row_per_village_and_the_town_itself(
        ledger: dict[str, Problem]) -> None:
    stmt = build_statement(ledger.values(), area_code="350623101", period=Q1, cal=CAL,
                           names=NAMES)
    assert [(r.area_code, r.area_name, r.open_at_end) for r in stmt.rows] == [
        ("350623101", "旧镇镇（本级）", 1), ("350623101201", "旧城村", 0),
        ("350623101226", "狮头村", 1)]
    assert stmt.total.open_at_end == 2 and stmt.total.balances()


def test_a_running_period_is_evaluated_as_of_a_day(ledger: dict[str, Problem]) -> None:
    stmt = build_statement(ledger.values(), area_code="350623", period=Q1, cal=CAL,
                           as_of=date(2024, 1, 10))
    assert (stmt.total.carried_over, stmt.total.opened, stmt.total.closed,
            stmt.total.reopened, stmt.total.open_at_end) == (1, 1, 1, 0, 1)
    with pytest.raises(Invalid):
        build_statement(ledger.values(), area_code="350623", period=Q1, cal=CAL,
                        as_of=date(2024, 4, 1))


def test_csv_export_opens_with_chinese_headers(ledger: dict[str, Problem]) -> None:
    stmt = build_statement(ledger.values(), area_code="350623", period=Q1, cal=CAL, names=NAMES)
    rows = list(csv.reader(io.StringIO(statement_csv(stmt))))
    assert tuple(rows[0]) == SUMMARY_HEADERS
    assert rows[0][:5] == ["统计期间", "地区代码", "地区", "上期结转", "本期新增"]
    assert rows[1] == ["2024-01-01~2024-03-31", "350623101", "旧镇镇", "1", "1", "1", "1",
                       "0", "2", "2", "100000.00", "35.5", "2"]
    assert rows[-1][1:4] == ["350623", "合计", "1"]
    assert len(rows) == 4
    detail = list(csv.reader(io.StringIO(details_csv(stmt))))
    assert tuple(detail[0]) == DETAIL_HEADERS and len(detail) == 6
    b = next(r for r in detail if r[0] == ledger["b"].problem_id)
    assert b[1:3] == ["350623101", "350623101201"] and b[6] == "closed" and b[7] == "2024-01-08"


def test_xlsx_export_opens_and_holds_the_figures(ledger: dict[str, Problem]) -> None:
    stmt = build_statement(ledger.values(), area_code="350623", period=Q1, cal=CAL, names=NAMES)
    data = statement_xlsx(stmt, generated_at=at(2024, 4, 1, 9))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["对账单", "明细"]
    ws = wb["对账单"]
    assert ws["A1"].value == "漳浦县 对账单 2024-01-01~2024-03-31（截至 2024-03-31）"
    assert tuple(c.value for c in ws[2]) == SUMMARY_HEADERS
    assert [c.value for c in ws[3]][1:10] == ["350623101", "旧镇镇", 1, 1, 1, 1, 0, 2, 2]
    assert ws["K3"].value == 100000 and ws["L3"].value == pytest.approx(35.5)
    assert ws["K3"].number_format == "#,##0.00"
    assert ws["C5"].value == "合计" and ws["I5"].value == 3 and ws["J5"].value == 2
    assert ws.max_row == 5
    details = wb["明细"]
    assert tuple(c.value for c in details[1]) == DETAIL_HEADERS
    assert details.max_row == 6
    assert wb.properties.created is not None and wb.properties.created.year == 2024


def test_town_list_puts_the_most_overdue_first(ledger: dict[str, Problem]) -> None:
    rows = town_list(ledger.values(), town_code="350623101", today=date(2024, 3, 29), cal=CAL)
    assert [r.problem_id for r in rows] == [ledger["a"].problem_id, ledger["c"].problem_id]
    assert rows[0].overdue and rows[0].days_overdue > rows[1].days_overdue > 0
    assert rows[0].responsible == "林某、陈某" and rows[0].unit == "狮头村村委会"
    assert rows[0].due == date(2024, 1, 23)  # 30 working days from 2023-12-11
    assert not rows[0].due_estimated
    with_closed = town_list(ledger.values(), town_code="350623101", today=date(2024, 3, 29),
                            cal=CAL, include_closed=True)
    assert ledger["b"].problem_id in [r.problem_id for r in with_closed]
    fotan = town_list(ledger.values(), town_code="350623102", today=date(2024, 3, 29), cal=CAL)
    assert [r.problem_id for r in fotan] == [ledger["e"].problem_id]  # the merged one is gone
    conduct = town_list(ledger.values(), town_code="350623101", today=date(2024, 3, 29),
                        cal=CAL, category=Category.CONDUCT)
    assert [r.problem_id for r in conduct] == [ledger["c"].problem_id]
