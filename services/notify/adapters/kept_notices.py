"""Notices kept for reporters to read with their query code (`notices`), many in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

# Column → PostgreSQL type of its unnest array.
_COLUMNS = {
    "key": "text", "reporter_ref": "text", "complaint_id": "text", "template_id": "text",
    "title": "text", "body": "text", "due_by": "date", "created_at": "timestamptz",
}
_KEEP = sa.text(
    f"INSERT INTO notices ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _COLUMNS.items())
    + ") ON CONFLICT DO NOTHING"
)


async def keep(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows with every column of `notices`; one already kept under its key stays as it is."""
    if rows:
        await session.execute(_KEEP, {name: [row[name] for row in rows] for name in _COLUMNS})
