"""Accept a validated complaint: store it, protect the reporter, stage ComplaintReceived — once.

Idempotency holds under concurrent retries because the claim is a unique-index insert: a second
request with the same `Idempotency-Key` (or channel + external reference) waits on the first
one's row, then finds it and answers with the same complaint.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import ComplaintRow, IdempotencyRow
from services.intake.domain.complaint import Complaint
from shared.events.catalog import AttachmentMeta, ComplaintReceived, Place
from shared.outbox.writer import stage

SOURCE = "/supervision/intake"
complaints = ComplaintRow.__table__  # type: ignore[attr-defined]
idempotency = IdempotencyRow.__table__  # type: ignore[attr-defined]


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was sent with a different body."""


@dataclass(frozen=True)
class Accepted:
    complaint_id: str
    problem_key: str
    created: bool
    query_code: str | None = None


def to_event(complaint_id: str, problem_key: str, c: Complaint, reporter_ref: str) -> ComplaintReceived:
    place = c.place
    return ComplaintReceived(
        complaint_id=complaint_id,
        problem_key=problem_key,
        channel=c.channel.value,
        external_ref=c.external_ref,
        place=Place(
            village_code=place.village.code if place.village else None,
            village_name=place.village.name if place.village else None,
            town_code=place.town.code, town_name=place.town.name,
            county_code=place.county.code, county_name=place.county.name,
        ),
        category=c.category.value,
        subject_name=c.subject.name if c.subject else None,
        subject_unit=c.subject.unit if c.subject else None,
        escalate_up=c.routing.escalated,
        description=c.description,
        amount_yuan=c.amount_yuan,
        land_mu=c.land_mu,
        attachments=[AttachmentMeta(sha256=a.sha256, size_bytes=a.size_bytes, media_type=a.media_type)
                     for a in c.attachments],
        occurred_at=c.occurred_at,
        received_at=c.received_at,
        reporter_ref=reporter_ref,
        reporter_mode=c.reporter.mode.value if c.reporter else "institutional",
    )


async def accept(
    session: AsyncSession,
    complaint: Complaint,
    caller: str,
    idempotency_key: str | None,
    fingerprint: str,
) -> Accepted:
    complaint_id = str(uuid.uuid4())
    if idempotency_key:
        claimed = await session.execute(
            pg_insert(idempotency)
            .values(caller=caller, key=idempotency_key, fingerprint=fingerprint,
                    complaint_id=complaint_id, created_at=datetime.now(UTC))
            .on_conflict_do_nothing()
            .returning(idempotency.c.key)
        )
        if claimed.first() is None:
            prior = (await session.execute(
                sa.select(idempotency).where(idempotency.c.caller == caller,
                                             idempotency.c.key == idempotency_key)
            )).one()
            if prior.fingerprint != fingerprint:
                raise IdempotencyConflict(idempotency_key)
            return await _existing(session, prior.complaint_id)
    reporter_ref = "rep_" + secrets.token_urlsafe(16)
    problem_key = complaint_id
    event = to_event(complaint_id, problem_key, complaint, reporter_ref)
    inserted = await session.execute(
        pg_insert(complaints)
        .values(
            id=complaint_id, problem_key=problem_key, channel=complaint.channel.value,
            external_ref=complaint.external_ref, channel_key=complaint.idempotency_key,
            caller=caller, category=complaint.category.value,
            town_code=complaint.place.town.code, county_code=complaint.place.county.code,
            village_code=complaint.place.village.code if complaint.place.village else None,
            reporter_ref=reporter_ref, received_at=complaint.received_at,
            event=event.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["channel_key"])
        .returning(complaints.c.id)
    )
    if inserted.first() is None:
        existing_id = await session.scalar(
            sa.select(complaints.c.id).where(complaints.c.channel_key == complaint.idempotency_key))
        assert existing_id is not None
        if idempotency_key:
            await session.execute(idempotency.update().where(
                idempotency.c.caller == caller, idempotency.c.key == idempotency_key
            ).values(complaint_id=existing_id))
        return await _existing(session, existing_id)
    await stage(session, event, SOURCE)
    return Accepted(complaint_id, problem_key, created=True)


async def _existing(session: AsyncSession, complaint_id: str) -> Accepted:
    row = (await session.execute(
        sa.select(complaints.c.id, complaints.c.problem_key).where(complaints.c.id == complaint_id)
    )).one()
    return Accepted(row.id, row.problem_key, created=False)
