"""What an accepted submission becomes: its rows and its events (收到举报, 走访日志).

Events are built from the outbound text and the opaque reporter ref only: no contact detail, no
query code, and the description with the reporter's own details masked.
"""

from __future__ import annotations

from typing import Any

from services.intake.domain.divisions import Place as DomainPlace
from services.intake.service_layer.submission import PreparedComplaint, Submission
from shared.events.catalog import AttachmentMeta, ComplaintReceived, Place, VisitLogged


def event_place(place: DomainPlace) -> Place:
    return Place(
        village_code=place.village.code if place.village else None,
        village_name=place.village.name if place.village else None,
        town_code=place.town.code, town_name=place.town.name,
        county_code=place.county.code, county_name=place.county.name,
    )


def complaint_received(
    p: PreparedComplaint, problem_key: str, duplicate_of: str | None, visit_id: str | None
) -> ComplaintReceived:
    c = p.complaint
    return ComplaintReceived(
        complaint_id=p.complaint_id,
        problem_key=problem_key,
        duplicate_of=duplicate_of,
        channel=c.channel.value,
        external_ref=c.external_ref,
        place=event_place(c.place),
        category=c.category.value,
        subject_name=c.subject.name if c.subject else None,
        subject_unit=c.subject.unit if c.subject else None,
        escalate_up=c.routing.escalated,
        handling_level=c.routing.handling_level.value,
        description=p.description,
        amount_yuan=c.amount_yuan,
        land_mu=c.land_mu,
        attachments=[AttachmentMeta(sha256=a.sha256, size_bytes=a.size_bytes, media_type=a.media_type)
                     for a in c.attachments],
        occurred_at=c.occurred_at,
        received_at=c.received_at,
        reporter_ref=p.reporter_ref,
        reporter_mode=p.reporter_mode,
        visit_id=visit_id,
    )


def visit_logged(s: Submission) -> VisitLogged:
    v = s.visit
    assert v is not None and s.visit_id is not None
    return VisitLogged(
        visit_id=s.visit_id, officer_id=v.officer_id, place=event_place(v.place),
        visited_on=v.visited_on, households_visited=v.households_visited,
        problems_found=v.problem_count, persons_visited=v.persons_visited,
    )


def reporter_row(p: PreparedComplaint) -> dict[str, Any]:
    r = p.reporter
    return {
        "reporter_ref": p.reporter_ref,
        "mode": p.reporter_mode,
        "sealed_contact": r.sealed_contact if r else None,
        "contact_key_id": r.contact_key_id if r else None,
        "query_code_digest": r.query_code_digest if r else None,
    }


def complaint_row(
    s: Submission, p: PreparedComplaint, problem_key: str, duplicate_of: str | None
) -> dict[str, Any]:
    c = p.complaint
    return {
        "id": p.complaint_id, "problem_key": problem_key, "duplicate_of": duplicate_of,
        "channel": c.channel.value, "external_ref": c.external_ref, "channel_key": c.idempotency_key,
        "caller": s.caller, "category": c.category.value, "place_code": c.place.code,
        "town_code": c.place.town.code, "county_code": c.place.county.code,
        "village_code": c.place.village.code if c.place.village else None,
        "subject_name": c.subject.name if c.subject else None,
        "subject_unit": c.subject.unit if c.subject else None,
        "description": p.description, "escalate_up": c.routing.escalated,
        "handling_level": c.routing.handling_level.value, "reporter_ref": p.reporter_ref,
        "visit_id": s.visit_id, "media_url": c.channel_meta.get("media_url"),
        "received_at": c.received_at,
    }


def visit_row(s: Submission) -> dict[str, Any]:
    v = s.visit
    assert v is not None and s.visit_id is not None
    return {
        "id": s.visit_id, "log_id": v.log_id, "visit_key": v.idempotency_key, "caller": s.caller,
        "officer_id": v.officer_id, "village_code": v.place.code, "town_code": v.place.town.code,
        "county_code": v.place.county.code, "visited_on": v.visited_on,
        "households_visited": v.households_visited, "persons_visited": v.persons_visited,
        "problem_count": v.problem_count, "recorded_at": v.recorded_at,
    }
