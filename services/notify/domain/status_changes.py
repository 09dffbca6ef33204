"""Status changes (办理状态变更) calling systems can subscribe to, and the webhook body.

Only whitelisted fields leave the building: ids, statuses, category, area code, the team's
organisational data (who handles the case: officer id, role, unit, town) and disposal codes.
Never the description, the name of the person complained about, the reporter reference, the
actor or free-text reasons: a calling system learns that a case moved and looks up the rest
with its own rights.

The body is a CloudEvent in structured JSON mode: `id`, `source`, `type` and `time` are those
of the event that caused it (it *is* that event, cut down to the whitelist), and three
extension attributes say which delivery this is: `notificationid` (= the Idempotency-Key,
stable across retries), `subscriptionid` and `deliveryattempt`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
SPECVERSION = "1.0"
# Team members are public officials acting in office: their organisational data may go out.
_MEMBER_FIELDS = ("officer_id", "role", "town_code", "county_code", "unit")
# Detail keys that hold codes from a closed vocabulary, never free text.
_DETAIL_CODES = ("disposal",)
# Variables stored as JSON text (a notification's variables are strings).
_JSON_VARIABLES = ("complaint_ids", "from_status", "details")


@dataclass(frozen=True, slots=True)
class LedgerTransition:
    """The ledger transition behind a status change, whitelisted."""

    from_status: str | None
    action: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusChange:
    event: EventRef
    occurred_at: datetime
    status: str
    complaint_ids: tuple[str, ...]
    problem_id: str | None
    category: str
    area_code: str  # most specific known: village (12) or town (9 digits)
    # Set for ledger transitions (ProblemStatusChanged) only.
    transition: LedgerTransition | None = None


def _area(place: Place) -> str:
    return place.village_code or place.town_code


def whitelisted_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Team members' organisational fields and disposal codes; everything else stays home."""
    out: dict[str, Any] = {}
    members = details.get("members")
    if isinstance(members, list):
        out["members"] = [
            {k: m.get(k) for k in _MEMBER_FIELDS if k in m} for m in members if isinstance(m, dict)
        ]
    for code in _DETAIL_CODES:
        value = details.get(code)
        if isinstance(value, str):
            out[code] = value
    return out


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
            transition=LedgerTransition(
                from_status=payload.from_status,
                action=payload.action,
                details=whitelisted_details(payload.details),
            ),
        )
    return None


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def webhook_variables(change: StatusChange) -> dict[str, str]:
    """What a status webhook carries, flattened to strings for storage with the notification."""
    variables = {
        "status": change.status,
        "status_label": label(STATUS_LABELS, change.status),
        "occurred_at": change.occurred_at.isoformat(),
        "complaint_ids": _json(list(change.complaint_ids)),
        "category": change.category,
        "area_code": change.area_code,
    }
    if change.problem_id is not None:
        variables["problem_id"] = change.problem_id
    if change.transition is not None:
        variables["action"] = change.transition.action
        variables["from_status"] = _json(change.transition.from_status)
        variables["details"] = _json(dict(change.transition.details))
    return variables


def webhook_document(variables: Mapping[str, str]) -> dict[str, object]:
    """The `data` of a status webhook, back from its stored string form."""
    document: dict[str, object] = dict(variables)
    for name in _JSON_VARIABLES:
        if name in variables:
            document[name] = json.loads(variables[name])
    if "action" in variables:
        document["to_status"] = variables["status"]
    return document


def webhook_body(notification: Notification, attempt: int) -> bytes:
    """The JSON body (a structured-mode CloudEvent) of one delivery attempt.

    `deliveryattempt` is in the signed body so that a retry never reproduces an earlier request
    byte for byte: a receiver can treat any exact repeat as a replay, and still deduplicate our
    retries by `notificationid` (= the Idempotency-Key header).
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    data = webhook_document(notification.variables)
    complaint_ids = data.get("complaint_ids")
    first_complaint = complaint_ids[0] if isinstance(complaint_ids, list) and complaint_ids else ""
    document = {
        "specversion": SPECVERSION,
        "id": notification.event.id,
        "source": notification.event.source,
        "type": notification.event.type,
        "subject": str(data.get("problem_id") or first_complaint),
        "time": notification.variables["occurred_at"],
        "datacontenttype": "application/json",
        "notificationid": notification.key,
        "subscriptionid": notification.recipient.ref,
        "deliveryattempt": attempt,
        "data": data,
    }
    return _json(document).encode("utf-8")
