"""Statement exports: CSV text and XLSX bytes with Chinese headers, built in memory.

CSV is returned as `str`; encode it as `utf-8-sig` when Excel users will open it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from .statements import Statement, StatementDetail, StatementRow

SUMMARY_HEADERS = (
    "统计期间", "地区代码", "地区", "上期结转", "本期新增", "重新打开", "本期销号", "合并",
    "期末在办", "逾期", "收回资金(元)", "收回土地(亩)", "整改合同(件)",
)
DETAIL_HEADERS = (
    "问题编号", "乡镇代码", "村(社区)代码", "问题类别", "问题摘要", "登记日期", "期末状态",
    "销号日期", "期末逾期", "收回资金(元)", "收回土地(亩)", "整改合同(件)",
)
_MONEY_COLUMNS = (11, 12)  # 1-based columns in the summary sheet holding yuan and mu
_DETAIL_MONEY_COLUMNS = (10, 11)

Cell = str | int | Decimal


def _summary_cells(period: str, row: StatementRow) -> list[Cell]:
    return [period, row.area_code, row.area_name, row.carried_over, row.opened, row.reopened,
            row.closed, row.merged, row.open_at_end, row.overdue, row.yuan, row.mu,
            row.contracts]


def _detail_cells(d: StatementDetail) -> list[Cell]:
    return [d.problem_id, d.town_code, d.village_code or "", d.category.value, d.title,
            d.registered_on.isoformat(), d.status_at_end.value,
            d.closed_on.isoformat() if d.closed_on else "", "是" if d.overdue_at_end else "否",
            d.yuan, d.mu, d.contracts]


def summary_rows(stmt: Statement) -> list[list[Cell]]:
    """Rows per sub-area, then the total (合计)."""
    label = stmt.period.label()
    return [_summary_cells(label, r) for r in [*stmt.rows, stmt.total]]


def _csv(headers: tuple[str, ...], rows: list[list[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[str(c) for c in row] for row in rows])
    return out.getvalue()


def statement_csv(stmt: Statement) -> str:
    return _csv(SUMMARY_HEADERS, summary_rows(stmt))


def details_csv(stmt: Statement) -> str:
    return _csv(DETAIL_HEADERS, [_detail_cells(d) for d in stmt.details])


def statement_xlsx(stmt: Statement, *, generated_at: datetime) -> bytes:
    """Two sheets: 对账单 (title, header, rows, 合计) and 明细 (one line per item).

    `generated_at` goes into the document properties (openpyxl's `save` would stamp its own
    clock there); the zip container still dates its entries, so compare cells, not bytes."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "对账单"
    summary.append([f"{stmt.area_name} 对账单 {stmt.period.label()}（截至 {stmt.as_of}）"])
    summary["A1"].font = Font(bold=True)
    summary.append(list(SUMMARY_HEADERS))
    for row in summary_rows(stmt):
        summary.append(row)
    last = summary.max_row
    for r in range(3, last + 1):
        for c in _MONEY_COLUMNS:
            summary.cell(row=r, column=c).number_format = "#,##0.00"
    for cell in summary[last]:
        cell.font = Font(bold=True)

    details = wb.create_sheet("明细")
    details.append(list(DETAIL_HEADERS))
    for d in stmt.details:
        details.append(_detail_cells(d))
    for r in range(2, details.max_row + 1):
        for c in _DETAIL_MONEY_COLUMNS:
            details.cell(row=r, column=c).number_format = "#,##0.00"

    stamp = generated_at.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = f"{stmt.area_name} 对账单 {stmt.period.label()}"
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return buffer.getvalue()
