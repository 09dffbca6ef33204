"""Rotation rosters (轮换名单) per period: county–township pairing (县乡结对) and cross-town
inspection zones (跨镇片区协作), drawn by the domain (roster.py) with a recorded seed.

Forbidden pairs come from the registry: a county unit may not be paired with a town, nor a
town's commission inspect another town, when one of its officers is native to it, served there
within N years or declared a relation to it or one of its villages (the same blocks as
conflicts.py). Pairs of the county's earlier rosters of the same kind are not repeated; when
every allowed pair has been used (a rotation cycle is complete), the oldest periods are let go
one at a time until a roster exists again, and the roster names the periods it avoided.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.adapters.snapshots import digest_of, officer_from_record, officer_record
from services.pairing.adapters.tables import officers, rosters
from services.pairing.domain.conflicts import officer_blocks
from services.pairing.domain.model import Context, Officer
from services.pairing.domain.randomised import derive_seed
from services.pairing.domain.roster import (
    CountyUnit,
    RosterInfeasible,
    RosterPair,
    county_township_roster,
    cross_town_roster,
    zones_by_county,
)
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.periods import china_day, round_of_day
from shared.http.errors import ApiError

_NS = uuid.UUID("6c1d3f2a-9b8e-4f70-a5d4-3e2b1c0f9a87")
COUNTY_KINDS = ("county_dept", "dispatched_group")


@dataclass(frozen=True)
class RosterCommand:
    kind: str  # county_township | cross_town
    county_code: str
    period: str
    published_value: str | None
    actor: str


def blocked_towns(officer: Officer, ctx: PairingContext, context: Context, towns: set[str]) -> set[str]:
    """Towns of `towns` the officer may not supervise (籍贯, 任职, 申报关系)."""
    out = set()
    for key, _reason in officer_blocks(officer, ctx.policy, context):
        kind, _, code = key.partition(":")
        if kind in ("T", "V") and code[:9] in towns:
            out.add(code[:9])
    return out


async def make_roster(session: AsyncSession, ctx: PairingContext, cmd: RosterCommand) -> dict[str, Any]:
    towns = list(ctx.divisions.towns(cmd.county_code))
    if not towns:
        raise ApiError(422, "unknown_county", f"{cmd.county_code} is not a county with towns")
    roster_id = str(uuid.uuid5(_NS, f"{cmd.kind}|{cmd.county_code}|{cmd.period}"))
    if await session.scalar(sa.select(rosters.c.id).where(rosters.c.id == roster_id)):
        raise ApiError(409, "roster_exists", f"the {cmd.kind} roster of {cmd.county_code} for "
                       f"{cmd.period} exists", details=[{"roster_id": roster_id}])
    previous = (await session.execute(
        sa.select(rosters.c.period, rosters.c.pairs)
        .where(rosters.c.kind == cmd.kind, rosters.c.county_code == cmd.county_code)
        .order_by(rosters.c.seq.desc()))).all()
    rows = (await session.execute(sa.select(officers).where(officers.c.county_code == cmd.county_code)
                                  .order_by(officers.c.id))).mappings().all()
    registry = [officer_from_record(officer_record(r)) for r in rows]
    today = china_day(ctx.now())
    context = Context(as_of=today, round=round_of_day(today))
    in_county = set(towns)
    forbidden: set[tuple[str, str]] = set()
    names = {t: ctx.divisions.name(t) for t in towns}
    units: dict[str, CountyUnit] = {}
    for o in registry:
        if cmd.kind == "county_township" and o.kind.value in COUNTY_KINDS:
            units.setdefault(o.post.unit, CountyUnit(o.post.unit, o.post.unit, cmd.county_code))
            forbidden |= {(o.post.unit, t) for t in blocked_towns(o, ctx, context, in_county)}
        elif cmd.kind == "cross_town" and o.kind.value == "township" and o.post.town_code in in_county:
            forbidden |= {(o.post.town_code, t) for t in blocked_towns(o, ctx, context, in_county)}
    names.update({u: u for u in units})
    history = [(period, [(p["inspector"], p["inspected"]) for p in pairs]) for period, pairs in previous]
    seed = derive_seed(digest_of({
        "kind": cmd.kind, "county": cmd.county_code, "period": cmd.period, "towns": towns,
        "units": sorted(units), "forbidden": sorted(forbidden), "history": history,
    }), cmd.published_value or "")

    def draw(avoid: list[tuple[str, str]]) -> list[RosterPair]:
        if cmd.kind == "county_township":
            return county_township_roster(list(units.values()), towns, 1, seed, forbidden, avoid)
        return cross_town_roster(zones_by_county(towns), 1, seed, forbidden, avoid)

    failure: RosterInfeasible | None = None
    for keep in range(len(history), -1, -1):
        try:
            pairs = draw([pair for _, used in history[:keep] for pair in used])
        except RosterInfeasible as exc:
            failure = exc
            continue
        avoided = [period for period, _ in history[:keep]]
        break
    else:
        raise ApiError(409, "roster_infeasible", f"no {cmd.kind} roster for {cmd.county_code}: {failure}")
    stored = [{"inspector": p.inspector, "inspector_name": names.get(p.inspector, ""),
               "inspected": p.inspected, "inspected_name": names.get(p.inspected, "")} for p in pairs]
    now = ctx.now()
    await session.execute(rosters.insert().values(
        id=roster_id, kind=cmd.kind, county_code=cmd.county_code, period=cmd.period, seed=seed,
        published_value=cmd.published_value, pairs=stored, avoided_periods=avoided,
        forbidden=[list(f) for f in sorted(forbidden)], actor=cmd.actor, at=now))
    return await roster_view(session, roster_id)


async def roster_view(session: AsyncSession, roster_id: str) -> dict[str, Any]:
    row = (await session.execute(sa.select(rosters).where(rosters.c.id == roster_id))).mappings().first()
    if row is None:
        raise ApiError(404, "roster_not_found", f"no roster {roster_id}")
    return {"roster_id": row["id"], "kind": row["kind"], "county_code": row["county_code"],
            "period": row["period"], "seed": row["seed"], "published_value": row["published_value"],
            "pairs": row["pairs"], "avoided_periods": row["avoided_periods"],
            "forbidden": row["forbidden"], "actor": row["actor"], "at": row["at"].isoformat()}


def roster_csv(view: dict[str, Any]) -> str:
    """The roster as CSV (UTF-8 with a BOM, so spreadsheet software shows the Chinese names)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["period", "kind", "inspector", "inspector_name", "inspected", "inspected_name"])
    for p in view["pairs"]:
        writer.writerow([view["period"], view["kind"], p["inspector"], p["inspector_name"],
                         p["inspected"], p["inspected_name"]])
    return "\ufeff" + buf.getvalue()

