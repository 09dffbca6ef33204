"""Multi-row statements with one fixed shape: `INSERT ... SELECT FROM unnest(<arrays>)`.

A group commit writes hundreds of rows per table; one statement whose parameters are column
arrays is prepared once by PostgreSQL whatever the batch size, where a multi-VALUES insert would
be a new statement for every size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Col:
    name: str
    array_type: str  # element type of the parameter array: text, timestamptz, bytea ...
    cast: str | None = None  # applied to each element on the way in (jsonb from text)


class UnnestInsert:
    def __init__(self, table: str, columns: Sequence[Col], suffix: str = "") -> None:
        self.columns = tuple(columns)
        names = ", ".join(c.name for c in self.columns)
        arrays = ", ".join(f"CAST(:{c.name} AS {c.array_type}[])" for c in self.columns)
        select = ", ".join(f"u.{c.name}::{c.cast}" if c.cast else f"u.{c.name}" for c in self.columns)
        self.statement = sa.text(
            f"INSERT INTO {table} ({names}) SELECT {select} FROM unnest({arrays}) AS u({names}) {suffix}"
        )

    def params(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        return {c.name: [row[c.name] for row in rows] for c in self.columns}

    async def execute(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> sa.CursorResult[Any]:
        return await conn.execute(self.statement, self.params(rows))
