"""Bookkeeping records: what the ledger keeps besides its domain events, journaled with them.

The domain knows a problem by id, place codes and intake's opaque reporter refs; the ledger also
keeps the problem key intake clusters by, place names, which complaints reported it and the team
pairing assigned. These facts go into the journal next to the domain events, so a rebuild from
the journal topic restores every table, not only the aggregates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.events.payloads.base import Place


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    actor: str
    at: datetime


class ProblemIndexed(_Record):
    """Registered under intake's problem key, at a named place (once per problem)."""

    type: Literal["ledger.record.problem_indexed.v1"] = "ledger.record.problem_indexed.v1"
    problem_id: str
    problem_key: str
    place: Place
    subject_name: str | None = None
    subject_unit: str | None = None
    escalate_up: bool = False


class ComplaintLinked(_Record):
    """A complaint reported the problem (the first registered it, the others attached: 并案)."""

    type: Literal["ledger.record.complaint_linked.v1"] = "ledger.record.complaint_linked.v1"
    problem_id: str
    complaint_id: str
    reporter_ref: str
    channel: str


class TeamRecorded(_Record):
    """Pairing's cross-town team for the problem (跨镇协作), as assigned."""

    type: Literal["ledger.record.team_recorded.v1"] = "ledger.record.team_recorded.v1"
    problem_id: str
    assignment_id: str
    members: list[dict[str, Any]]
    mode: str


class ThemeSet(_Record):
    """一季度一主题: the county set a quarterly theme (点题)."""

    type: Literal["ledger.record.theme_set.v1"] = "ledger.record.theme_set.v1"
    theme_id: str
    area_code: str
    year: int
    quarter: int
    topic: str
    categories: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


BookRecord = ProblemIndexed | ComplaintLinked | TeamRecorded | ThemeSet
RECORD_PREFIX = "ledger.record."

_RECORDS: TypeAdapter[BookRecord] = TypeAdapter(
    Annotated[BookRecord, Field(discriminator="type")]
)


def encode_record(record: BookRecord) -> bytes:
    return record.model_dump_json().encode()


def decode_record(raw: bytes | str) -> BookRecord:
    return _RECORDS.validate_json(raw)
