"""Status changes (办理状态变更) calling systems can subscribe to, and the webhook body.

Only whitelisted fields leave the building: ids, status, category and area code. Never the
description, the name of the person complained about, the reporter reference or free text:
a calling system learns that a case moved and looks up the rest with its own rights.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.notify.domain.notification import EventRef, Notification
from services.notify.domain.vocabulary import STATUS_LABELS, label
from shared.events.catalog import (
    ComplaintReceived,
    Payload,
    Place,
    ProblemOpened,
    ProblemStatusChanged,
)

WEBHOOK_TEMPLATE_ID = "webhook.status_changed"
WEBHOOK_TYPE = "complaint.status_changed"


@dataclass(frozen=True, slots=True)
class StatusChange:
    event: EventRef
    occurred_at: datetime
    status: str
    complaint_ids: tuple[str, ...]
    problem_id: str | None
    category: str
    area_code: str  # most specific known: village (12) or town (9 digits)


def _area(place: Place) -> str:
    return place.village_code or place.town_code


def status_change_of(event: EventRef, payload: Payload) -> StatusChange | None:
    """The status change an event stands for, or None if calling systems do not see it."""
    if isinstance(payload, ComplaintReceived):
        return StatusChange(
            event=event,
            occurred_at=payload.received_at,
            status="received",
            complaint_ids=(payload.complaint_id,),
            problem_id=None,
            category=payload.category,
            area_code=_area(payload.place),
        )
    if isinstance(payload, ProblemOpened):
        return StatusChange(
            event=event,
            occurred_at=payload.opened_at,
            status="registered",
            complaint_ids=tuple(payload.complaint_ids),
            problem_id=payload.problem_id,
            category=payload.category,
            area_code=_area(payload.place),
        )
    if isinstance(payload, ProblemStatusChanged):
        return StatusChange(
            event=event,
            occurred_at=payload.at,
            status=payload.to_status,
            complaint_ids=tuple(payload.complaint_ids),
            problem_id=payload.problem_id,
            category=payload.category,
            area_code=_area(payload.place),
        )
    return None


def webhook_variables(change: StatusChange) -> dict[str, str]:
    """What a status webhook carries, flattened to strings for storage with the notification."""
    variables = {
        "status": change.status,
        "status_label": label(STATUS_LABELS, change.status),
        "occurred_at": change.occurred_at.isoformat(),
        "complaint_ids": json.dumps(list(change.complaint_ids)),
        "category": change.category,
        "area_code": change.area_code,
    }
    if change.problem_id is not None:
        variables["problem_id"] = change.problem_id
    return variables


def webhook_document(variables: Mapping[str, str]) -> dict[str, object]:
    """The JSON fields of a status webhook, back from their stored string form."""
    document: dict[str, object] = dict(variables)
    document["complaint_ids"] = json.loads(variables["complaint_ids"])
    return document


def webhook_body(notification: Notification, attempt: int) -> bytes:
    """The JSON body of one delivery attempt.

    `attempt` is in the signed body so that a retry never reproduces an earlier request byte
    for byte: a receiver can treat any exact repeat as a replay, and still deduplicate our
    retries by `id` (= the notification key, also sent as the Idempotency-Key header).
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    document = {
        **webhook_document(notification.variables),
        "id": notification.key,
        "type": WEBHOOK_TYPE,
        "attempt": attempt,
        "event": {
            "source": notification.event.source,
            "id": notification.event.id,
            "type": notification.event.type,
        },
        "subscription_id": notification.recipient.ref,
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")
