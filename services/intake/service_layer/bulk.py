"""Bulk import 批量导入: a JSONL or CSV file, row by row, through the same accept path as HTTP.

Rows are validated by the domain parser (lazily, so a large file is never held as objects), and
accepted rows go through the group committer exactly like single requests: one transaction per
batch, idempotent by each row's channel + external reference, so importing a file twice (or two
overlapping files) creates every complaint once. A dry run stores nothing and reports which rows
would be created and which already exist.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters.tables import claims
from services.intake.domain.bulk import MAX_ROWS, BulkFileError, RowResult, decode, parse_csv, parse_jsonl
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.errors import FieldError
from services.intake.domain.storable import unstorable
from services.intake.domain.vocabulary import Channel
from services.intake.service_layer.group_commit import GroupCommitter
from services.intake.service_layer.submission import Outcome, Protector, Refused, prepare

FORMATS = ("jsonl", "csv")


@dataclass(frozen=True)
class RowOutcome:
    row: int
    status: str  # created / exists / would_create / rejected / repeated_in_file / failed
    complaint_ids: tuple[str, ...] = ()
    query_codes: tuple[str | None, ...] = ()
    errors: tuple[dict[str, str], ...] = ()
    duplicate_of_row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"row": self.row, "status": self.status}
        if self.complaint_ids:
            body["complaint_ids"] = list(self.complaint_ids)
        if any(self.query_codes):
            body["query_codes"] = list(self.query_codes)
        if self.errors:
            body["errors"] = list(self.errors)
        if self.duplicate_of_row is not None:
            body["duplicate_of_row"] = self.duplicate_of_row
        return body


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {"rows": len(self.rows), "created": 0, "exists": 0, "would_create": 0,
                  "rejected": 0, "repeated_in_file": 0, "failed": 0}
        for r in self.rows:
            counts[r.status] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "summary": self.summary(),
                "rows": [r.as_dict() for r in self.rows]}


def parse_file(
    raw: bytes, fmt: str, registry: DivisionRegistry, *, now: datetime, channel: Channel | None
) -> Iterator[RowResult]:
    """Rows of a file; BulkFileError for a file that cannot be read at all (encoding, header)."""
    text = decode(raw)
    # Refuse an oversized file before the first row is stored, not half way through it.
    if text.count("\n") > MAX_ROWS + 1:
        raise BulkFileError(f"一次最多导入 {MAX_ROWS} 行")
    if fmt == "csv":
        return parse_csv(io.StringIO(text, newline=""), registry, now=now)
    return parse_jsonl(io.StringIO(text), registry, now=now, channel=channel)


async def import_rows(
    results: Iterable[RowResult],
    *,
    caller: str,
    protector: Protector,
    committer: GroupCommitter,
    engine: AsyncEngine,
    dry_run: bool,
    chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport(dry_run)
    pending: list[RowResult] = []

    async def flush() -> None:
        if dry_run:
            report.rows += await _dry_run(engine, pending)
        else:
            report.rows += await _store(pending, caller, protector, committer)
        if progress:
            progress(len(pending))
        pending.clear()

    for result in results:
        errors = result.errors or _unstorable(result)
        if errors:
            report.rows.append(RowOutcome(result.row, "rejected", errors=tuple(e.as_dict() for e in errors)))
        elif result.duplicate_of_row is not None:
            report.rows.append(RowOutcome(result.row, "repeated_in_file",
                                          duplicate_of_row=result.duplicate_of_row))
        else:
            pending.append(result)
            if len(pending) >= chunk:
                await flush()
            continue
        if progress:
            progress(1)
    if pending:
        await flush()
    report.rows.sort(key=lambda r: r.row)
    return report


def _unstorable(result: RowResult) -> list[FieldError]:
    values: list[object] = [c.model_dump(mode="json") for c in result.complaints]
    if result.visit is not None:
        values.append([result.visit.log_id, result.visit.officer_id])
    return unstorable(values)


async def _store(
    rows: list[RowResult], caller: str, protector: Protector, committer: GroupCommitter
) -> list[RowOutcome]:
    submissions = [prepare(caller, r.complaints, protector, visit=r.visit) for r in rows]
    outcomes = await asyncio.gather(*(committer.submit(s) for s in submissions))
    return [_row_outcome(r.row, o) for r, o in zip(rows, outcomes, strict=True)]


def _row_outcome(row: int, outcome: Outcome) -> RowOutcome:
    if isinstance(outcome, Refused):
        return RowOutcome(row, "failed", errors=({"field": "$", "code": outcome.code,
                                                   "message": outcome.message},))
    return RowOutcome(
        row, "created" if outcome.created else "exists",
        tuple(c.complaint_id for c in outcome.complaints),
        tuple(c.query_code for c in outcome.complaints),
    )


async def _dry_run(engine: AsyncEngine, rows: list[RowResult]) -> list[RowOutcome]:
    keys = {k for r in rows for k in r.keys}
    async with engine.connect() as conn:
        known = set((await conn.execute(
            sa.select(claims.c.key).where(claims.c.key.in_(list(keys))))).scalars()) if keys else set()
    return [RowOutcome(r.row, "exists" if known & set(r.keys) else "would_create") for r in rows]
