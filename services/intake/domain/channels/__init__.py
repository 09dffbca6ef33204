"""Channels 受理渠道: each channel's native record mapped onto the one complaint model.

`accept_native` is the single entry the lead wires to HTTP routes, consumers and bulk import:
parse the native record (errors under native field names), map it (a pure function per channel),
then validate the canonical complaint against the registry and `now`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..complaint import Complaint
from ..divisions import DivisionError, DivisionRegistry
from ..errors import FieldError, IntakeRejected
from ..validation import validate_complaint
from ..vocabulary import Channel
from . import hotline, inspection, online, petition
from .base import build_complaint_in, parse_native
from .household_visit import (
    VisitLog,
    VisitRecord,
    field_map_for,
    problem_to_complaint,
    visit_record,
)


@dataclass(frozen=True, slots=True)
class ChannelMapping:
    native: type[BaseModel]
    to_complaint: Callable[[Any], dict[str, Any]]
    field_map: Mapping[str, str]


MAPPINGS: dict[Channel, ChannelMapping] = {
    Channel.HOTLINE_12345: ChannelMapping(
        hotline.HotlineWorkOrder, hotline.hotline_to_complaint, hotline.FIELD_MAP
    ),
    Channel.PETITION: ChannelMapping(
        petition.PetitionCase, petition.petition_to_complaint, petition.FIELD_MAP
    ),
    Channel.ONLINE: ChannelMapping(
        online.OnlineSubmission, online.online_to_complaint, online.FIELD_MAP
    ),
    Channel.INSPECTION: ChannelMapping(
        inspection.InspectionFinding, inspection.inspection_to_complaint, inspection.FIELD_MAP
    ),
}


@dataclass(frozen=True, slots=True)
class Accepted:
    """What one native record became: complaints, plus the visit record for 走访日志."""

    complaints: tuple[Complaint, ...]
    visit: VisitRecord | None = None


def accept_native(
    channel: Channel, data: object, registry: DivisionRegistry, *, now: datetime
) -> Accepted:
    """Native record -> accepted complaints, or IntakeRejected with every error found."""
    if channel is Channel.HOUSEHOLD_VISIT:
        return accept_visit_log(data, registry, now=now)
    mapping = MAPPINGS[channel]
    native = parse_native(mapping.native, data)
    draft = build_complaint_in(mapping.to_complaint(native), mapping.field_map)
    complaint = validate_complaint(draft, registry, now=now, field_map=mapping.field_map)
    return Accepted((complaint,))


def accept_visit_log(data: object, registry: DivisionRegistry, *, now: datetime) -> Accepted:
    log = parse_native(VisitLog, data)
    try:
        place = registry.resolve(log.village_code)
    except DivisionError as exc:
        raise IntakeRejected([exc.at("village_code")]) from exc
    complaints: list[Complaint] = []
    errors: list[FieldError] = []
    for index in range(len(log.problems)):
        field_map = field_map_for(index)
        try:
            draft = build_complaint_in(problem_to_complaint(log, index), field_map)
            complaints.append(validate_complaint(draft, registry, now=now, field_map=field_map))
        except IntakeRejected as exc:
            errors.extend(exc.errors)
    if errors:
        raise IntakeRejected(errors)  # a log is accepted whole or not at all
    return Accepted(tuple(complaints), visit_record(log, place))


__all__ = [
    "MAPPINGS",
    "Accepted",
    "ChannelMapping",
    "VisitLog",
    "VisitRecord",
    "accept_native",
    "accept_visit_log",
]
