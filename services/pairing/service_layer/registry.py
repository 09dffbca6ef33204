"""The officer registry (干部库): register, import, declare relations, read.

Shape rules the HTTP schema cannot say alone are checked here, on the official divisions: a
county-level officer (内设机构, 派驻组) sits at the county seat, so names no town; a township
officer names the town; a village supervisor names the village. Every code must exist, a town
must lie in its county and a village in its town. The domain model is then built once as the
last check, so whatever the registry accepts, the engine can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.divisions import Divisions
from services.pairing.adapters.snapshots import officer_from_record, officer_record
from services.pairing.adapters.tables import NEXT_VERSION, officers
from shared.http.errors import ApiError

COUNTY_KINDS = ("county_dept", "dispatched_group")
REGISTRY_FIELDS = ("id", "name", "kind", "unit", "county_code", "town_code", "village_code",
                   "native_village_code", "skills", "capacity", "available", "past_posts")


def _error(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _place_errors(prefix: str, county: str, town: str | None, village: str | None,
                  divisions: Divisions) -> list[dict[str, str]]:
    errors = []
    for name, code in (("county_code", county), ("town_code", town), ("village_code", village)):
        if code is not None and not divisions.exists(code):
            errors.append(_error(prefix + name, "unknown_place", f"{code} is not an official division"))
    if town is not None and town[:6] != county:
        errors.append(_error(prefix + "town_code", "town_not_in_county", f"{town} is not in {county}"))
    if village is not None and village[:6] != county:
        errors.append(_error(prefix + "village_code", "village_not_in_county",
                             f"{village} is not in {county}"))
    if village is not None and town is not None and village[:9] != town:
        errors.append(_error(prefix + "village_code", "village_not_in_town", f"{village} is not in {town}"))
    return errors


def check_officer(values: dict[str, Any], divisions: Divisions) -> list[dict[str, str]]:
    """Every rule `values` (a validated OfficerIn) breaks; empty when the registry may take it."""
    errors = []
    kind, town, village = values["kind"], values.get("town_code"), values.get("village_code")
    if kind in COUNTY_KINDS and (town or village):
        errors.append(_error("town_code", "county_post_has_no_town",
                             "county-level officers (内设机构, 派驻组) are posted at the county, not a town"))
    if kind == "township" and not town:
        errors.append(_error("town_code", "required", "a township officer (乡镇纪委) names the town"))
    if kind == "village_supervisor" and not village:
        errors.append(_error("village_code", "required", "a village supervisor names the village"))
    errors += _place_errors("", values["county_code"], town, village, divisions)
    native = values.get("native_village_code")
    if native is not None and not divisions.exists(native):
        errors.append(_error("native_village_code", "unknown_place", f"{native} is not an official village"))
    for i, post in enumerate(values.get("past_posts") or []):
        errors += _place_errors(f"past_posts.{i}.", post["county_code"], post.get("town_code"),
                                post.get("village_code"), divisions)
    if not errors:
        try:
            officer_from_record(officer_record({**_stored(values), "relations": []}))
        except ValueError as exc:
            errors.append(_error("", "invalid", str(exc)))
    return errors


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Column values; a village supervisor's town is derived from the village code."""
    out = {k: values.get(k) for k in REGISTRY_FIELDS}
    if out["village_code"] and not out["town_code"]:
        out["town_code"] = out["village_code"][:9]
    out["skills"] = sorted(set(out["skills"] or []))
    out["past_posts"] = [
        {k: (p.get(k).isoformat() if hasattr(p.get(k), "isoformat") else p.get(k))
         for k in ("unit", "county_code", "town_code", "village_code", "start", "end")}
        for p in out["past_posts"] or []
    ]
    return out


def officer_view(row: Any) -> dict[str, Any]:
    view = {k: row[k] for k in (*REGISTRY_FIELDS, "relations")}
    view["updated_at"] = row["updated_at"].isoformat()
    return view


async def upsert_officers(session: AsyncSession, batch: Sequence[dict[str, Any]], now: datetime
                          ) -> tuple[int, int]:
    """Register or update officers (declared relations are left as they are); (created, updated)."""
    if not batch:
        return 0, 0
    values = [{**_stored(v), "relations": [], "updated_at": now} for v in batch]
    ids = [v["id"] for v in values]
    existing: set[str] = set()
    keep = {"id", "relations", "version"}
    # In chunks: one statement binds at most 32,767 values, and an import may hold 20,000 officers
    # of 14 columns each.
    for start in range(0, len(values), UPSERT_CHUNK):
        chunk = values[start:start + UPSERT_CHUNK]
        existing |= set((await session.execute(sa.select(officers.c.id).where(
            officers.c.id.in_([v["id"] for v in chunk])))).scalars())
        stmt = pg_insert(officers).values(chunk)
        await session.execute(stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={**{c.name: stmt.excluded[c.name] for c in officers.columns if c.name not in keep},
                  "version": NEXT_VERSION}))
    return len(ids) - len(existing), len(existing)


UPSERT_CHUNK = 1_000


async def get_officer(session: AsyncSession, officer_id: str, for_update: bool = False) -> Any:
    stmt = sa.select(officers).where(officers.c.id == officer_id)
    row = (await session.execute(stmt.with_for_update() if for_update else stmt)).mappings().first()
    if row is None:
        raise ApiError(404, "officer_not_found", f"no officer {officer_id}")
    return row


async def declare_relation(session: AsyncSession, officer_id: str, relation: dict[str, Any],
                           now: datetime) -> tuple[dict[str, Any], bool]:
    """Add a declared relation (申报); the same (kind, target kind, target) twice is one."""
    row = await get_officer(session, officer_id, for_update=True)
    key = (relation["kind"], relation["target_kind"], relation["target"])
    if any((r["kind"], r["target_kind"], r["target"]) == key for r in row["relations"]):
        return officer_view(row), False
    relations = [*row["relations"], {**relation, "declared_at": now.isoformat()}]
    await session.execute(officers.update().where(officers.c.id == officer_id)
                          .values(relations=relations, updated_at=now, version=NEXT_VERSION))
    return officer_view(await get_officer(session, officer_id)), True


async def list_officers(session: AsyncSession, county_code: str | None, town_code: str | None,
                        kind: str | None, after: str | None, limit: int) -> dict[str, Any]:
    stmt = sa.select(officers).order_by(officers.c.id).limit(limit + 1)
    for column, value in ((officers.c.county_code, county_code), (officers.c.town_code, town_code),
                          (officers.c.kind, kind)):
        if value is not None:
            stmt = stmt.where(column == value)
    if after is not None:
        stmt = stmt.where(officers.c.id > after)
    rows = (await session.execute(stmt)).mappings().all()
    page = rows[:limit]
    return {"items": [officer_view(r) for r in page],
            "next_after": page[-1]["id"] if len(rows) > limit else None}
