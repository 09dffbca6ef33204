"""Batched inserts of what a group commit accepted: reporters, complaints, visits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.unnest import Col, UnnestInsert

_REPORTERS = UnnestInsert("reporters", [
    Col("reporter_ref", "text"), Col("mode", "text"), Col("sealed_contact", "bytea"),
    Col("contact_key_id", "text"), Col("query_code_digest", "text"),
])
_COMPLAINTS = UnnestInsert("complaints", [
    Col("id", "text"), Col("problem_key", "text"), Col("duplicate_of", "text"), Col("channel", "text"),
    Col("external_ref", "text"), Col("channel_key", "text"), Col("caller", "text"),
    Col("category", "text"), Col("place_code", "text"), Col("town_code", "text"),
    Col("county_code", "text"), Col("village_code", "text"), Col("subject_name", "text"),
    Col("subject_unit", "text"), Col("description", "text"), Col("escalate_up", "boolean"),
    Col("handling_level", "text"), Col("reporter_ref", "text"), Col("visit_id", "text"),
    Col("media_url", "text"), Col("received_at", "timestamptz"),
])
_VISITS = UnnestInsert("visits", [
    Col("id", "text"), Col("log_id", "text"), Col("visit_key", "text"), Col("caller", "text"),
    Col("officer_id", "text"), Col("village_code", "text"), Col("town_code", "text"),
    Col("county_code", "text"), Col("visited_on", "date"), Col("households_visited", "integer"),
    Col("persons_visited", "integer"), Col("problem_count", "integer"), Col("recorded_at", "timestamptz"),
])


async def insert_reporters(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _REPORTERS.execute(conn, rows)


async def insert_complaints(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _COMPLAINTS.execute(conn, rows)


async def insert_visits(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _VISITS.execute(conn, rows)
