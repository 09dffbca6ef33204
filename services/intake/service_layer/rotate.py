"""Key rotation 密钥轮换: re-seal every reporter's contact with the current key.

Run after prepending a new key to REPORTER_KEYS (the old key stays in the ring until this is
done). Works in chunks, each its own transaction, with SKIP LOCKED so it can run beside the
service and be interrupted and resumed. Query-code digests cannot be re-hashed (the codes exist
only with their reporters); lookups try every key in QUERY_CODE_KEYS instead, so an old hashing
key stays in the ring as long as its codes should keep working.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters.tables import reporters
from services.intake.domain.protection.reporter import contact_aad
from services.intake.domain.protection.sealing import KeyRing, key_id_of, reseal

_UPDATE = sa.text("""
UPDATE reporters AS r SET sealed_contact = u.blob, contact_key_id = u.key_id
FROM unnest(CAST(:refs AS text[]), CAST(:blobs AS bytea[]), CAST(:key_ids AS text[])) AS u(ref, blob, key_id)
WHERE r.reporter_ref = u.ref
""")


async def reseal_all(engine: AsyncEngine, keys: KeyRing, chunk: int = 500) -> int:
    """How many contacts were re-sealed; a blob whose key left the ring stops the run (SealError)."""
    total = 0
    while True:
        async with engine.begin() as conn:
            rows = (await conn.execute(
                sa.select(reporters.c.reporter_ref, reporters.c.sealed_contact)
                .where(reporters.c.sealed_contact.is_not(None))
                .where(reporters.c.contact_key_id.is_distinct_from(keys.current))
                .limit(chunk).with_for_update(skip_locked=True)
            )).all()
            if not rows:
                return total
            blobs = [reseal(bytes(r.sealed_contact), keys, aad=contact_aad(r.reporter_ref)) for r in rows]
            await conn.execute(_UPDATE, {
                "refs": [r.reporter_ref for r in rows], "blobs": blobs,
                "key_ids": [key_id_of(b) for b in blobs],
            })
        total += len(rows)
