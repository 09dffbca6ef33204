"""Candidates for duplicate clustering 重复举报归并: recent complaints of the same town and category.

Accepts of one bucket (town + category) are serialised by a transaction-level advisory lock taken
before the candidate query, so two concurrent batches cannot both miss each other's report of
the same problem and open it twice. Buckets are locked in sorted order: no deadlock between
batches, whatever they hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.domain.clustering import Candidate, ReportFacts
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.vocabulary import Category

_LOCK = sa.text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k")
# Keys first: a candidate's facts never change and are nearly always cached (this process stored
# it), so its description, the bulk of each row, is read only when the cache misses.
_FETCH = sa.text("""
SELECT b.ord, c.id, c.problem_key
FROM unnest(CAST(:towns AS text[]), CAST(:categories AS text[]), CAST(:since AS timestamptz[]))
     WITH ORDINALITY AS b(town, category, since, ord)
CROSS JOIN LATERAL (
    SELECT id, problem_key FROM complaints
    WHERE town_code = b.town AND category = b.category AND received_at >= b.since
    ORDER BY received_at DESC
    LIMIT :limit
) AS c
""")
_FACTS = sa.text("""
SELECT id, place_code, description, received_at, subject_name, subject_unit
FROM complaints WHERE id = ANY(CAST(:ids AS text[]))
""")


@dataclass
class FactsCache:
    """What clustering knows about stored complaints, by id: a stored complaint's facts never
    change, and rebuilding them (place names, folded text) for every batch that sees them as
    candidates costs more than the rest of the batch. Oldest entries go first."""

    capacity: int = 50_000
    _facts: dict[str, ReportFacts] = field(default_factory=dict)

    def get(self, complaint_id: str) -> ReportFacts | None:
        return self._facts.get(complaint_id)

    def put(self, complaint_id: str, facts: ReportFacts) -> None:
        self._facts[complaint_id] = facts
        if len(self._facts) > self.capacity:
            del self._facts[next(iter(self._facts))]


@dataclass(frozen=True, order=True)
class Bucket:
    town_code: str
    category: Category

    @property
    def lock_key(self) -> int:
        digest = hashlib.blake2b(f"intake.bucket|{self.town_code}|{self.category}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big", signed=True)


async def lock_buckets(conn: AsyncConnection, buckets: Iterable[Bucket]) -> None:
    keys = sorted({b.lock_key for b in buckets})
    if keys:
        await conn.execute(_LOCK, {"keys": keys})


async def fetch_candidates(
    conn: AsyncConnection,
    wanted: Sequence[tuple[Bucket, datetime]],
    registry: DivisionRegistry,
    limit: int,
    cache: FactsCache,
) -> dict[Bucket, list[Candidate]]:
    """Per bucket, up to `limit` complaints received since the given time, newest first."""
    found: dict[Bucket, list[Candidate]] = {bucket: [] for bucket, _ in wanted}
    if not wanted:
        return found
    rows = await conn.execute(_FETCH, {
        "towns": [b.town_code for b, _ in wanted],
        "categories": [b.category.value for b, _ in wanted],
        "since": [since for _, since in wanted],
        "limit": limit,
    })
    keys = [(wanted[ord_ - 1][0], cid, problem_key) for ord_, cid, problem_key in rows]
    missing = {cid: bucket for bucket, cid, _ in keys if cache.get(cid) is None}
    if missing:
        for row in await conn.execute(_FACTS, {"ids": list(missing)}):
            cache.put(row.id, ReportFacts.of(
                registry.resolve(row.place_code), missing[row.id].category, row.description,
                row.received_at, row.subject_name, row.subject_unit,
            ))
    for bucket, cid, problem_key in keys:
        facts = cache.get(cid)
        if facts is None:  # more misses than the cache holds: read again, never drop a candidate
            row = (await conn.execute(_FACTS, {"ids": [cid]})).one()
            facts = ReportFacts.of(registry.resolve(row.place_code), bucket.category, row.description,
                                   row.received_at, row.subject_name, row.subject_unit)
        found[bucket].append(Candidate(cid, problem_key, facts))
    return found
