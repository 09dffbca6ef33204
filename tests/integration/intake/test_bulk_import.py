"""Bulk import 批量导入: 10,000 rows over HTTP, idempotent on a second import, dry runs, per-row
errors in CSV, and the CLI with its progress bar."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.intake import samples
from tests.integration.intake.conftest import IMPORTER_TOKEN, Intake
from tests.support.intake_data import complaint

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[3]
JSONL = {"Content-Type": "application/x-ndjson"}


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


async def test_ten_thousand_rows_once_and_only_once(intake: Intake, unique: Callable[[str], str]) -> None:
    run = unique("bulk")
    rng = random.Random(20240603)
    rows = [complaint(n, f"{run}-{n:05d}", rng) for n in range(10_000)]
    body = jsonl(rows)
    async with intake.client(IMPORTER_TOKEN) as http:
        dry = await http.post("/imports", params={"dry_run": "true"}, content=body, headers=JSONL)
        assert dry.status_code == 200, dry.text[:500]
        assert dry.json()["summary"]["would_create"] == 10_000
        assert (
            await intake.scalar("SELECT count(*) FROM complaints WHERE external_ref LIKE :r", r=f"{run}-%")
            == 0
        )

        first = await http.post("/imports", content=body, headers=JSONL)
        assert first.status_code == 200, first.text[:500]
        report = first.json()
        assert report["summary"] == {
            "rows": 10_000,
            "created": 10_000,
            "exists": 0,
            "would_create": 0,
            "rejected": 0,
            "repeated_in_file": 0,
            "failed": 0,
        }
        assert [r["row"] for r in report["rows"]] == list(range(1, 10_001))
        anonymous = [
            r for r, src in zip(report["rows"], rows, strict=True) if src["reporter"]["mode"] == "anonymous"
        ]
        assert all(len(r["query_codes"]) == 1 for r in anonymous)

        again = await http.post("/imports", content=body, headers=JSONL)
        assert again.json()["summary"]["exists"] == 10_000
        assert [r["complaint_ids"] for r in again.json()["rows"]] == [
            r["complaint_ids"] for r in report["rows"]
        ]
    assert (
        await intake.scalar("SELECT count(*) FROM complaints WHERE external_ref LIKE :r", r=f"{run}-%")
        == 10_000
    )
    assert (
        await intake.scalar(
            "SELECT count(*) FROM outbox o JOIN complaints c ON c.id = o.aggregate_id "
            "WHERE c.external_ref LIKE :r",
            r=f"{run}-%",
        )
        == 10_000
    )


async def test_csv_rows_report_their_own_errors(intake: Intake, unique: Callable[[str], str]) -> None:
    run = unique("csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "channel",
            "external_ref",
            "place_code",
            "category",
            "description",
            "reporter_mode",
            "reporter_name",
            "reporter_phone",
            "amount_yuan",
        ]
    )
    writer.writerow(
        [
            "hotline_12345",
            f"{run}-1",
            samples.ZHENGDA,
            "三资",
            "正达村鱼塘承包款去向不明,\n账目不公开",
            "anonymous",
            "",
            "",
            "12000.50",
        ]
    )
    writer.writerow(
        [
            "petition",
            f"{run}-2",
            "350605200299",
            "sanzi",
            "坂里乡山林承包合同",
            "confidential",
            "林某某",
            "12345",
            "",
        ]
    )
    writer.writerow(
        ["hotline_12345", f"{run}-3", samples.SHITOU, "税务", "x" * 5001, "anonymous", "", "", ""]
    )
    writer.writerow(
        ["inspection", f"{run}-4", samples.XIAZHAI, "bidding", "项目未经比选", "", "", "", "三十万"]
    )
    writer.writerow(
        ["hotline_12345", f"{run}-1", samples.ZHENGDA, "sanzi", "同一工单再次导出", "anonymous", "", "", ""]
    )
    writer.writerow(
        ["inspection", f"{run}-5", samples.XIAZHAI, "bidding", "项目未经比选直接指定施工队", "", "", "", ""]
    )
    body = out.getvalue().encode("gb18030")  # as Excel saves CSV on Chinese Windows
    async with intake.client(IMPORTER_TOKEN) as http:
        r = await http.post("/imports", content=body, headers={"Content-Type": "text/csv"})
        bad_header = await http.post(
            "/imports", content=b"colour,size\nred,1\n", headers={"Content-Type": "text/csv"}
        )
        unknown_type = await http.post("/imports", content=body, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["summary"] == {
        "rows": 6,
        "created": 2,
        "exists": 0,
        "would_create": 0,
        "rejected": 3,
        "repeated_in_file": 1,
        "failed": 0,
    }
    by_row = {row["row"]: row for row in report["rows"]}
    assert by_row[3]["status"] == "created"  # the quoted newline makes row 1 span lines 2-3
    assert {e["field"]: e["code"] for e in by_row[4]["errors"]} == {
        "place_code": "unknown_division",
        "reporter_phone": "bad_phone",
    }
    assert {e["field"]: e["code"] for e in by_row[5]["errors"]} == {
        "category": "unknown_category",
        "description": "too_long",
    }
    assert {e["field"]: e["code"] for e in by_row[6]["errors"]} == {"amount_yuan": "wrong_type"}
    assert by_row[7] == {"row": 7, "status": "repeated_in_file", "duplicate_of_row": 3}
    assert bad_header.status_code == 400 and bad_header.json()["error"]["code"] == "bad_file"
    assert unknown_type.status_code == 415


async def test_native_channel_jsonl_and_size_limit(intake: Intake, unique: Callable[[str], str]) -> None:
    orders = [samples.hotline(unique(f"native{i}")) for i in range(3)]
    async with intake.client(IMPORTER_TOKEN) as http:
        r = await http.post(
            "/imports", params={"channel": "hotline_12345"}, content=jsonl(orders), headers=JSONL
        )
    assert r.json()["summary"]["created"] == 3
    async with intake.client() as hotline:  # the default 1 MiB limit
        big = jsonl([complaint(n, unique(f"big{n}"), random.Random(n)) for n in range(5_000)])
        too_big = await hotline.post("/imports", content=big, headers=JSONL)
    assert too_big.status_code == 413
    assert (
        await intake.scalar(
            "SELECT count(*) FROM complaints WHERE external_ref LIKE :r", r=f"{unique('big')[:-9]}%"
        )
        == 0
    )


async def test_cli_import_with_dry_run_and_progress_bar(
    intake: Intake, unique: Callable[[str], str], tmp_path: Path
) -> None:
    run = unique("cli")
    rng = random.Random(7)
    rows = [complaint(n, f"{run}-{n}", rng) for n in range(300)]
    rows[10]["place_code"] = "350699999999"
    path = tmp_path / "orders.jsonl"
    path.write_bytes(jsonl(rows))
    env = {
        **os.environ,
        "DATABASE_URL": intake.database_url,
        "KAFKA_TOPIC_PREFIX": intake.namespace,
        "PYTHONPATH": str(ROOT),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.intake", "import", str(path), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    dry = await asyncio.to_thread(cli, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout.splitlines()[-1])["summary"]["would_create"] == 299
    done = await asyncio.to_thread(cli)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[-1])["summary"] == {
        "rows": 300,
        "created": 299,
        "exists": 0,
        "would_create": 0,
        "rejected": 1,
        "repeated_in_file": 0,
        "failed": 0,
    }
    (rejected,) = [json.loads(line) for line in lines[:-1]]
    assert rejected["row"] == 11 and rejected["errors"][0]["code"] == "unknown_division"
    assert "导入" in done.stderr and "300/300" in done.stderr  # the tqdm progress bar
    assert (
        await intake.scalar("SELECT count(*) FROM complaints WHERE external_ref LIKE :r", r=f"{run}-%") == 299
    )
    # The events are in the outbox, under this deployment's topic names, for the relay to publish.
    topic = await intake.scalar(
        "SELECT DISTINCT o.topic FROM outbox o JOIN complaints c ON c.id = o.aggregate_id "
        "WHERE c.external_ref LIKE :r",
        r=f"{run}-%",
    )
    assert topic == f"{intake.namespace}intake.complaints"
