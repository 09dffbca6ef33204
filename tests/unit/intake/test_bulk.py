from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from services.intake.domain.bulk import (
    CSV_COLUMNS,
    BulkFileError,
    decode,
    parse_csv,
    parse_jsonl,
    summarise,
)
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.errors import ErrorCode
from services.intake.domain.vocabulary import Category, Channel

from .conftest import NOW, SHITOU, ZHENGDA

CATEGORIES = list(Category)


def zhangzhou_villages(registry: DivisionRegistry) -> list[str]:
    towns = [t for county in registry.children("3506") for t in registry.children(county)]
    return [v for t in towns for v in registry.children(t)]


def row(i: int, place: str) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "external_ref": f"ZZ12345-2024-{i:06d}",
        "place_code": place,
        "category": CATEGORIES[i % len(CATEGORIES)].value,
        "description": f"第{i}号工单:反映村集体资产出租收入未公开,涉及金额{i}元。",
        "received_at": "2024-06-01T09:00:00+08:00",
        "amount_yuan": f"{i}.00",
        "reporter": {"mode": "anonymous"},
    }


def test_ten_thousand_jsonl_rows(registry: DivisionRegistry) -> None:
    villages = zhangzhou_villages(registry)
    lines = []
    for i in range(10_000):
        data = row(i, villages[i % len(villages)])
        if i % 1000 == 999:
            data["place_code"] = data["place_code"][:9] + "999"  # no such village
        lines.append(json.dumps(data, ensure_ascii=False))
    results = list(parse_jsonl(lines, registry, now=NOW))
    summary = summarise(results)
    assert (summary.rows, summary.accepted, summary.rejected) == (10_000, 9_990, 10)
    assert summary.complaints == 9_990 and summary.repeated_in_file == 0
    bad = [r for r in results if not r.ok]
    assert [r.row for r in bad] == [i + 1 for i in range(999, 10_000, 1000)]
    assert all(r.errors[0].field == "place_code" for r in bad)
    assert all(r.errors[0].code is ErrorCode.UNKNOWN_DIVISION for r in bad)
    assert len({k for r in results for k in r.keys}) == 9_990


def test_ten_thousand_csv_rows(registry: DivisionRegistry) -> None:
    villages = zhangzhou_villages(registry)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    for i in range(10_000):
        writer.writerow({
            "channel": "信访" if i % 2 else "hotline_12345",
            "external_ref": f"R-{i:06d}",
            "place_code": villages[i % len(villages)],
            "category": CATEGORIES[i % len(CATEGORIES)].label,
            "description": f"第{i}号:反映低保评定不公开",
            "received_at": "2024-06-01T09:00:00+08:00",
            "reporter_mode": "保密",
            "reporter_name": "陈某某",
            "reporter_phone": "13812345678",
            "attachments": "" if i % 3 else json.dumps(
                [{"sha256": "ab" * 32, "size_bytes": 1024, "media_type": "image/jpeg"}]
            ),
        })
    raw = ("\ufeff" + out.getvalue()).encode("utf-8")
    results = list(parse_csv(decode(raw).splitlines(), registry, now=NOW))
    summary = summarise(results)
    assert (summary.rows, summary.accepted) == (10_000, 10_000)
    assert results[0].row == 2  # the header is line 1
    first = results[0].complaints[0]
    assert first.channel is Channel.HOTLINE_12345 and first.attachments
    assert results[1].complaints[0].channel is Channel.PETITION


def csv_text(*rows: dict[str, str], header: list[str] | None = None) -> list[str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(CSV_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().splitlines()


GOOD_CSV = {
    "channel": "petition", "external_ref": "漳信〔2024〕0412号", "place_code": SHITOU,
    "category": "三资", "description": "狮头村山林承包合同问题", "reporter_mode": "anonymous",
}


def test_csv_rows_report_errors_under_csv_columns(registry: DivisionRegistry) -> None:
    rows = [
        GOOD_CSV,
        {**GOOD_CSV, "external_ref": "A-2", "reporter_mode": "confidential",
         "reporter_name": "陈某某", "reporter_phone": "12345"},
        {**GOOD_CSV, "external_ref": "A-3", "subject_role": "mayor", "subject_name": "某某"},
        {**GOOD_CSV, "external_ref": "A-4", "attachments": "not json", "category": "税务"},
        {**GOOD_CSV, "external_ref": "", "amount_yuan": "abc"},
        {**GOOD_CSV, "external_ref": "A-6", "reporter_mode": ""},
    ]
    results = list(parse_csv(csv_text(*rows), registry, now=NOW))
    found = [{e.field: e.code for e in r.errors} for r in results]
    assert found == [
        {},
        {"reporter_phone": ErrorCode.BAD_PHONE},
        {"subject_role": ErrorCode.UNKNOWN_CHOICE},
        {"attachments": ErrorCode.BAD_JSON, "category": ErrorCode.UNKNOWN_CATEGORY},
        {"amount_yuan": ErrorCode.WRONG_TYPE},
        {"reporter_mode": ErrorCode.MISSING},
    ]
    assert [r.row for r in results] == [2, 3, 4, 5, 6, 7]
    assert results[3].error_body()["row"] == 5


def test_bulk_rows_need_an_external_ref(registry: DivisionRegistry) -> None:
    (result,) = parse_csv(csv_text({**GOOD_CSV, "external_ref": ""}), registry, now=NOW)
    assert {e.field: e.code for e in result.errors} == {"external_ref": ErrorCode.MISSING}


def test_repeated_rows_in_one_file_are_marked_not_doubled(registry: DivisionRegistry) -> None:
    again = {**GOOD_CSV, "external_ref": "  漳信〔2024〕0412号 "}  # same reference, padded
    results = list(parse_csv(csv_text(GOOD_CSV, again), registry, now=NOW))
    assert results[0].duplicate_of_row is None and results[1].duplicate_of_row == 2
    assert results[0].keys == results[1].keys
    assert summarise(results).repeated_in_file == 1


@pytest.mark.parametrize(
    "header",
    [
        ["channel", "external_ref", "place_code", "category"],  # description missing
        [*CSV_COLUMNS, "reporter_wechat"],  # unknown column: would be silently lost
    ],
)
def test_bad_csv_header_refuses_the_file(registry: DivisionRegistry, header: list[str]) -> None:
    lines = [",".join(header)]
    with pytest.raises(BulkFileError):
        list(parse_csv(lines, registry, now=NOW))


def test_too_many_columns_in_a_row(registry: DivisionRegistry) -> None:
    lines = ["channel,external_ref,place_code,category,description",
             f"online,X-1,{ZHENGDA},sanzi,描述,extra"]
    (result,) = parse_csv(lines, registry, now=NOW)
    assert result.errors[0].code is ErrorCode.BAD_FORMAT


def test_gb18030_csv_from_excel_is_read(registry: DivisionRegistry) -> None:
    text = "\n".join(csv_text(GOOD_CSV))
    lines = decode(text.encode("gb18030")).splitlines()
    (result,) = parse_csv(lines, registry, now=NOW)
    assert result.ok and result.complaints[0].category is Category.SANZI


def test_jsonl_bad_lines_and_blank_lines(registry: DivisionRegistry) -> None:
    lines = [json.dumps(row(1, ZHENGDA)), "", "{not json", "[1, 2]", json.dumps(row(2, ZHENGDA))]
    results = list(parse_jsonl(lines, registry, now=NOW))
    assert [r.row for r in results] == [1, 3, 4, 5]
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].errors[0].code is ErrorCode.BAD_JSON
    assert results[2].errors[0].code is ErrorCode.WRONG_TYPE


def test_jsonl_of_a_native_channel(registry: DivisionRegistry) -> None:
    visit = {
        "log_id": "ZF-1", "officer_id": "officer-1", "village_code": ZHENGDA,
        "visited_on": "2024-06-01", "households_visited": 3, "persons_visited": 5,
        "recorded_at": "2024-06-01T18:00:00+08:00",
        "problems": [{"category": "livelihood", "description": "上游截水,农田缺水"}],
    }
    results = list(parse_jsonl([json.dumps(visit), json.dumps(visit)], registry, now=NOW,
                               channel=Channel.HOUSEHOLD_VISIT))
    assert results[0].visit is not None and len(results[0].complaints) == 1
    assert results[1].duplicate_of_row == 1
    assert summarise(results).visits == 2


def test_row_limit_refuses_the_file(registry: DivisionRegistry) -> None:
    lines = [json.dumps(row(i, ZHENGDA)) for i in range(3)]
    with pytest.raises(BulkFileError):
        list(parse_jsonl(lines, registry, now=NOW, max_rows=2))


def test_undecodable_bytes_refuse_the_file() -> None:
    with pytest.raises(BulkFileError):
        decode(b"\xff\xfe\x00\x81\xff")
