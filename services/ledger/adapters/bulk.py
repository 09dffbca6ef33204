"""Bulk writes for a rebuild: PostgreSQL COPY through asyncpg, the fastest way rows get in."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg

JSON_COLUMNS = frozenset({"place", "team", "tags", "state", "members", "categories", "keywords",
                          "body"})
JOURNAL_COLUMNS = ("aggregate_id", "seq", "aggregate_type", "event_id", "record_type",
                   "command_id", "action", "actor", "at", "body")
CHUNK = 50_000


class RawJson(str):
    """A value that is JSON text already (the domain's codec wrote it): written as is."""


def _json(value: Any) -> str:
    if isinstance(value, RawJson):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Writer:
    """One connection; rows as tuples in the table's column order, JSON columns as text."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> Writer:
        self.conn = await asyncpg.connect(self.dsn)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def journal(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Journal rows whose `body` is already JSON text (the record's value as published)."""
        if rows:
            assert self.conn is not None
            await self.conn.copy_records_to_table("ledger_events", records=rows,
                                                  columns=JOURNAL_COLUMNS)

    async def rows(self, table: str, dicts: Iterator[dict[str, Any]]) -> int:
        assert self.conn is not None
        first = next(dicts, None)
        if first is None:
            return 0
        columns = list(first)
        written = 0
        everything = itertools.chain([first], dicts)
        while chunk := list(itertools.islice(everything, CHUNK)):
            records = [tuple(_json(d[c]) if c in JSON_COLUMNS else d[c] for c in columns)
                       for d in chunk]
            await self.conn.copy_records_to_table(table, records=records, columns=columns)
            written += len(records)
        return written


@dataclass(frozen=True)
class Deferred:
    """Constraints and indexes taken off tables for a bulk load, to be put back after."""

    constraints: list[tuple[str, str, str]]  # (table, name, definition)
    indexes: list[str]  # CREATE INDEX statements


async def drop_indexes(dsn: str, tables: Sequence[str]) -> Deferred:
    """Load `tables` without their indexes and constraints, then build them once (`restore`):
    sorting a million keys once is much cheaper than a million index insertions. The
    definitions are read from the catalog, so the tables end up exactly as migrated."""
    conn = await asyncpg.connect(dsn)
    try:
        constraints = [(r["tab"], r["conname"], r["def"]) for r in await conn.fetch(
            "SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def "
            "FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u')",
            list(tables))]
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)", list(tables))
        for table, name, _ in constraints:
            await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for i in indexes:
            await conn.execute(f'DROP INDEX "{i["indexname"]}"')
        return Deferred(constraints, [i["indexdef"] for i in indexes])
    finally:
        await conn.close()


async def restore_indexes(dsn: str, deferred: Deferred) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for table, name, definition in deferred.constraints:
            await conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for statement in deferred.indexes:
            await conn.execute(statement)
    finally:
        await conn.close()
