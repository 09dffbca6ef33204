"""Store a batch of submissions in the caller's transaction: claim, cluster, insert, stage (受理入库).

One transaction, however many submissions, each getting its own outcome:
1. Submissions of the batch that share a key are retries of one request (the group committer
   holds back any other submission sharing a key for the next batch): the first leads.
2. Leaders claim their keys. A leader that owns every key is new; one that meets an earlier
   claim repeats that request (its own new keys are pointed at the earlier result), unless its
   Idempotency-Key was used with a different body, which refuses it.
3. New complaints are clustered against recent complaints of their town and category (buckets
   locked first), in batch order, so two reports of one problem in the same batch also cluster.
4. Rows and events for the new ones go in with one statement per table.
Nothing here commits: the group committer (or the bulk importer) owns the transaction, and
answers only after it committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters import candidates as cand
from services.intake.adapters import claims as claim_repo
from services.intake.adapters.outbox_rows import outbox_row, stage_rows
from services.intake.adapters.rows import insert_complaints, insert_reporters, insert_visits
from services.intake.adapters.tables import complaints
from services.intake.domain.clustering import (
    DEFAULT_POLICY,
    Candidate,
    DedupPolicy,
    candidate_query,
    decide,
)
from services.intake.domain.divisions import DivisionRegistry
from services.intake.service_layer import records
from services.intake.service_layer.submission import (
    Outcome,
    Refused,
    Stored,
    StoredComplaint,
    Submission,
)

SOURCE = "/supervision/intake"
KEY_REUSED = Refused(422, "idempotency_key_reused", "this Idempotency-Key was used with a different body")


@dataclass(frozen=True)
class StoreContext:
    registry: DivisionRegistry
    policy: DedupPolicy = DEFAULT_POLICY
    source: str = SOURCE
    facts: cand.FactsCache = field(default_factory=cand.FactsCache)


def claim_result(s: Submission) -> dict[str, Any]:
    """What a retry of `s` is answered with, recorded under each of its keys."""
    return {"complaint_ids": [p.complaint_id for p in s.complaints], "visit_id": s.visit_id}


async def store_batch(
    conn: AsyncConnection, batch: Sequence[Submission], ctx: StoreContext
) -> list[Outcome]:
    leaders, follows = _group(batch)
    owned = await claim_repo.claim(conn, [
        claim_repo.NewClaim(key, kind, batch[i].caller,
                            batch[i].fingerprint if kind == "header" else None, claim_result(batch[i]))
        for i in leaders for key, kind in batch[i].claim_keys
    ], datetime.now(UTC))
    taken = [key for i in leaders for key, _ in batch[i].claim_keys if key not in owned]
    earlier = await claim_repo.prior(conn, taken)
    outcomes: dict[int, Outcome] = {}
    new: list[int] = []
    for i in leaders:
        keys = batch[i].claim_keys
        mine = [k for k, _ in keys if k in owned]
        first_taken = next(((k, kind) for k, kind in keys if k not in owned), None)
        if first_taken is None:
            new.append(i)
            continue
        key, kind = first_taken
        prior = earlier[key]
        if kind == "header" and prior.fingerprint != batch[i].fingerprint:
            await claim_repo.release(conn, mine)
            outcomes[i] = KEY_REUSED
            continue
        await claim_repo.point_to(conn, mine, prior.result)
        outcomes[i] = await _repeat(conn, prior.result)
    outcomes.update(await _store_new(conn, batch, new, ctx))
    for i, leader in follows.items():
        outcomes[i] = _follow(outcomes[leader])
    return [outcomes[i] for i in range(len(batch))]


def _group(batch: Sequence[Submission]) -> tuple[list[int], dict[int, int]]:
    """Leaders, and the leader of each retry riding in the same batch; the group committer never
    puts two different submissions sharing a key in one batch."""
    owner: dict[str, int] = {}
    leaders: list[int] = []
    follows: dict[int, int] = {}
    for i, s in enumerate(batch):
        leader = next((owner[k] for k, _ in s.claim_keys if k in owner), None)
        if leader is not None:
            if not s.same_request(batch[leader]):
                raise ValueError("submissions sharing a key must be retries of one request")
            follows[i] = leader
            continue
        leaders.append(i)
        owner.update((k, i) for k, _ in s.claim_keys)
    return leaders, follows


def _follow(outcome: Outcome) -> Outcome:
    if isinstance(outcome, Refused):
        return outcome
    # Only the request that created the complaint shows the query code: it is never stored.
    return Stored(False, tuple(StoredComplaint(c.complaint_id, c.problem_key, c.duplicate_of)
                               for c in outcome.complaints), outcome.visit_id)


async def _repeat(conn: AsyncConnection, result: dict[str, Any]) -> Stored:
    ids: list[str] = list(result.get("complaint_ids", []))
    found = {}
    if ids:
        rows = await conn.execute(
            sa.select(complaints.c.id, complaints.c.problem_key, complaints.c.duplicate_of)
            .where(complaints.c.id.in_(ids))
        )
        found = {r.id: StoredComplaint(r.id, r.problem_key, r.duplicate_of) for r in rows}
    return Stored(False, tuple(found[i] for i in ids if i in found), result.get("visit_id"))


async def _store_new(
    conn: AsyncConnection, batch: Sequence[Submission], new: Sequence[int], ctx: StoreContext
) -> dict[int, Outcome]:
    prepared = [(batch[i], p) for i in new for p in batch[i].complaints]
    buckets: dict[cand.Bucket, datetime] = {}
    for _, p in prepared:
        query = candidate_query(p.facts, ctx.policy)
        bucket = cand.Bucket(query.town_code, query.category)
        buckets[bucket] = min(query.since, buckets.get(bucket, query.since))
    await cand.lock_buckets(conn, buckets)
    pool = await cand.fetch_candidates(
        conn, sorted(buckets.items()), ctx.registry, ctx.policy.max_candidates, ctx.facts
    )
    visits = [batch[i] for i in new if batch[i].visit is not None]
    events = [outbox_row(records.visit_logged(s), ctx.source, s.traceparent) for s in visits]
    reporter_rows, complaint_rows = [], []
    stored: dict[str, StoredComplaint] = {}
    for s, p in prepared:
        bucket = cand.Bucket(p.facts.town_code, p.facts.category)
        decision = decide(p.facts, pool[bucket], ctx.policy)
        problem_key = decision.problem_key or p.complaint_id
        duplicate_of = decision.matched_complaint_id
        # Later reports of this batch may be the same problem as this one.
        pool[bucket].append(Candidate(p.complaint_id, problem_key, p.facts))
        ctx.facts.put(p.complaint_id, p.facts)
        reporter_rows.append(records.reporter_row(p))
        complaint_rows.append(records.complaint_row(s, p, problem_key, duplicate_of))
        events.append(outbox_row(records.complaint_received(p, problem_key, duplicate_of, s.visit_id),
                                 ctx.source, s.traceparent))
        stored[p.complaint_id] = StoredComplaint(p.complaint_id, problem_key, duplicate_of, p.query_code)
    await insert_reporters(conn, reporter_rows)
    await insert_visits(conn, [records.visit_row(s) for s in visits])
    await insert_complaints(conn, complaint_rows)
    await stage_rows(conn, events)
    return {
        i: Stored(True, tuple(stored[p.complaint_id] for p in batch[i].complaints), batch[i].visit_id)
        for i in new
    }
