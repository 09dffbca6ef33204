"""Bulk import 批量导入: JSONL or CSV files -> one result per row, accepted or with its errors.

Rows are validated exactly like single submissions. Each row must carry its own external
reference, so re-importing a file (or a file that overlaps an earlier one) creates nothing new:
the lead inserts by idempotency key and reports rows already present. A dry run is the lead
storing nothing; this module never stores anything either way.

JSONL: one JSON object per line, in the canonical complaint shape (see `ComplaintIn`), or, when a
channel is named, in that channel's native shape (e.g. 12345 work orders, 走访日志).

CSV (UTF-8, with or without BOM; GB18030 as saved by Excel on Chinese Windows is also read), one
complaint per row, header names from `CSV_COLUMNS`; empty cells mean "not given".
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .channels import VisitRecord, accept_native
from .complaint import Complaint
from .divisions import DivisionRegistry
from .errors import ErrorCode, FieldError, IntakeRejected
from .validation import validate_complaint
from .vocabulary import Channel

MAX_ROWS = 100_000

# CSV header spec: column -> meaning (the order is the suggested column order).
CSV_COLUMNS: dict[str, str] = {
    "channel": "受理渠道 (必填): hotline_12345 / petition / online / inspection / household_visit"
    " 或中文名",
    "external_ref": "来源系统编号 (必填, 幂等依据): 工单号、信访件编号等",
    "place_code": "区划代码 (必填): 12位村级或9位乡镇代码",
    "town_code": "乡镇代码 (可选, 用于一致性校验)",
    "category": "问题类别 (必填): sanzi / bidding / conduct / benefits / ecology / livelihood /"
    " other 或中文名",
    "description": "问题描述 (必填, 不超过5000字)",
    "occurred_at": "发生时间 (可选): ISO 8601 带时区, 如 2024-05-01T09:30:00+08:00",
    "received_at": "受理时间 (可选, 缺省为导入时间)",
    "amount_yuan": "涉及金额(元) (可选, 两位小数)",
    "land_mu": "涉及面积(亩) (可选)",
    "subject_name": "被反映人 (可选)",
    "subject_unit": "被反映单位 (可选)",
    "subject_role": "被反映人身份 (可选): village_cadre / commission_staff ... 或中文名",
    "subject_level": "被反映人所在层级 (可选): town / county / city / province",
    "reporter_mode": "举报方式: named 实名 / confidential 保密 / anonymous 匿名"
    " (12345热线、信访、网上举报必填)",
    "reporter_name": "举报人姓名 (实名、保密必填)",
    "reporter_phone": "举报人电话",
    "reporter_email": "举报人邮箱",
    "reporter_id_number": "举报人身份证号",
    "attachments": '附件 (可选): JSON 数组, 如 [{"sha256": "...", "size_bytes": 1024,'
    ' "media_type": "image/jpeg"}]',
}
REQUIRED_COLUMNS = ("channel", "external_ref", "place_code", "category", "description")
_SUBJECT = {"subject_name": "name", "subject_unit": "unit", "subject_role": "role",
            "subject_level": "level"}
_CONTACT = {"reporter_name": "name", "reporter_phone": "phone", "reporter_email": "email",
            "reporter_id_number": "id_number"}
# Canonical error paths -> CSV columns.
CSV_FIELD_MAP: dict[str, str] = {
    "subject": "subject_name",
    "reporter": "reporter_mode",
    **{f"subject.{v}": k for k, v in _SUBJECT.items()},
    **{f"reporter.contact.{v}": k for k, v in _CONTACT.items()},
    "reporter.mode": "reporter_mode",
}


class BulkFileError(ValueError):
    """The file as a whole cannot be read (header, encoding, size); no row was taken."""


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row: `row` is its line number in the file (the CSV header is line 1)."""

    row: int
    complaints: tuple[Complaint, ...] = ()
    visit: VisitRecord | None = None
    errors: tuple[FieldError, ...] = ()
    duplicate_of_row: int | None = None  # the same idempotency key appeared earlier in the file

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def keys(self) -> tuple[str, ...]:
        keys = [c.idempotency_key for c in self.complaints if c.idempotency_key]
        return (self.visit.idempotency_key, *keys) if self.visit else tuple(keys)

    def error_body(self) -> dict[str, object]:
        return {"row": self.row, "errors": [e.as_dict() for e in self.errors]}


@dataclass(frozen=True, slots=True)
class BulkSummary:
    rows: int
    accepted: int
    rejected: int
    repeated_in_file: int
    complaints: int
    visits: int


def summarise(results: Iterable[RowResult]) -> BulkSummary:
    rows = accepted = repeated = complaints = visits = 0
    for result in results:
        rows += 1
        accepted += result.ok
        repeated += result.duplicate_of_row is not None
        complaints += len(result.complaints)
        visits += result.visit is not None
    return BulkSummary(rows, accepted, rows - accepted, repeated, complaints, visits)


def decode(raw: bytes) -> str:
    """UTF-8 (BOM tolerated), else GB18030, the encoding Excel uses for CSV on Chinese Windows."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise BulkFileError("文件编码无法识别:请保存为 UTF-8") from exc


def _accept_row(
    data: Any, channel: Channel | None, registry: DivisionRegistry, now: datetime,
    field_map: Mapping[str, str] | None = None,
) -> tuple[tuple[Complaint, ...], VisitRecord | None]:
    if channel is not None:
        accepted = accept_native(channel, data, registry, now=now)
        complaints, visit = accepted.complaints, accepted.visit
    else:
        complaints = (validate_complaint(data, registry, now=now, field_map=field_map),)
        visit = None
    if visit is None and any(c.idempotency_key is None for c in complaints):
        ref = "external_ref" if channel is None else "$"
        raise IntakeRejected([FieldError(ref, ErrorCode.MISSING, "批量导入的每一行须有来源编号")])
    return complaints, visit


class _Rows:
    """Tracks row count and first occurrence of each key across one file."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.count = 0
        self.first_row: dict[str, int] = {}

    def result(
        self, row: int, complaints: tuple[Complaint, ...], visit: VisitRecord | None
    ) -> RowResult:
        self.count += 1
        if self.count > self.max_rows:
            raise BulkFileError(f"一次最多导入 {self.max_rows} 行")
        probe = RowResult(row, complaints, visit)
        earlier = next((self.first_row[k] for k in probe.keys if k in self.first_row), None)
        for key in probe.keys:
            self.first_row.setdefault(key, row)
        return RowResult(row, complaints, visit, (), earlier)

    def failed(self, row: int, errors: Iterable[FieldError]) -> RowResult:
        self.count += 1
        if self.count > self.max_rows:
            raise BulkFileError(f"一次最多导入 {self.max_rows} 行")
        return RowResult(row, errors=tuple(errors))


def parse_jsonl(
    lines: Iterable[str],
    registry: DivisionRegistry,
    *,
    now: datetime,
    channel: Channel | None = None,
    max_rows: int = MAX_ROWS,
) -> Iterator[RowResult]:
    """One result per non-blank line, lazily, so a 100,000-line file is never held whole."""
    rows = _Rows(max_rows)
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
        except ValueError as exc:
            yield rows.failed(line_no, [FieldError("$", ErrorCode.BAD_JSON, f"非法 JSON: {exc}")])
            continue
        except RecursionError:
            yield rows.failed(line_no, [FieldError("$", ErrorCode.BAD_JSON, "JSON 嵌套过深")])
            continue
        try:
            complaints, visit = _accept_row(data, channel, registry, now)
        except IntakeRejected as exc:
            yield rows.failed(line_no, exc.errors)
            continue
        yield rows.result(line_no, complaints, visit)


def _csv_record(record: Mapping[str, str | None]) -> tuple[dict[str, Any], list[FieldError]]:
    """A CSV record in the canonical shape; empty cells are left out."""
    cells = {k: v.strip() for k, v in record.items() if k and v and v.strip()}
    body: dict[str, Any] = {
        k: v for k, v in cells.items()
        if k not in _SUBJECT and k not in _CONTACT and k not in ("reporter_mode", "attachments")
    }
    errors: list[FieldError] = []
    subject = {v: cells[k] for k, v in _SUBJECT.items() if k in cells}
    if subject:
        body["subject"] = subject
    contact = {v: cells[k] for k, v in _CONTACT.items() if k in cells}
    if "reporter_mode" in cells or contact:
        body["reporter"] = {"mode": cells.get("reporter_mode", "")} | (
            {"contact": contact} if contact else {}
        )
    if "attachments" in cells:
        try:
            body["attachments"] = json.loads(cells["attachments"])
        except ValueError:
            errors.append(FieldError("attachments", ErrorCode.BAD_JSON, "附件列须为 JSON 数组"))
    return body, errors


def check_csv_header(header: Iterable[str]) -> None:
    columns = [h.strip() for h in header]
    unknown = [c for c in columns if c and c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if unknown or missing:
        raise BulkFileError(
            f"表头不符合规范: 未知列 {unknown or '无'}, 缺少必填列 {missing or '无'}"
        )


def parse_csv(
    lines: Iterable[str],
    registry: DivisionRegistry,
    *,
    now: datetime,
    max_rows: int = MAX_ROWS,
) -> Iterator[RowResult]:
    reader = csv.DictReader(iter(lines))
    if reader.fieldnames is None:
        raise BulkFileError("空文件:缺少表头")
    check_csv_header(reader.fieldnames)
    reader.fieldnames = [h.strip() for h in reader.fieldnames]
    rows = _Rows(max_rows)
    for record in reader:
        line_no = reader.line_num
        if None in record:
            yield rows.failed(line_no, [FieldError("$", ErrorCode.BAD_FORMAT, "列数多于表头")])
            continue
        body, errors = _csv_record(record)
        if not body:
            continue  # a row of empty cells
        try:
            complaints, visit = _accept_row(body, None, registry, now, CSV_FIELD_MAP)
        except IntakeRejected as exc:
            errors.extend(exc.errors)
        if errors:
            yield rows.failed(line_no, errors)
            continue
        yield rows.result(line_no, complaints, visit)
