"""The journal (台账流水): append-only rows in `ledger_events`, published to `ledger.journal`.

Each aggregate (a problem, a class-of-case item, a theme) has its own sequence 1, 2, 3, ...;
a journal entry is one domain event (the domain's codec) or one bookkeeping record, with the
command it belongs to. The Kafka record carries CloudEvents headers like every other event
plus the sequence and the command, so a rebuild can restore the table row for row and drop
the duplicates an at-least-once relay may publish.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.records import (
    RECORD_PREFIX,
    BookRecord,
    ComplaintLinked,
    ProblemIndexed,
    TeamRecorded,
    ThemeSet,
    decode_record,
    encode_record,
)
from services.ledger.adapters.tables import journal
from services.ledger.domain.serialization import LedgerEvent, decode_event, encode_event
from shared.events.envelope import Envelope
from shared.events.topics import LEDGER_JOURNAL
from shared.outbox.writer import RawEvent, raw_rows, stage_rows
from shared.tracing import child_of, current_traceparent

SOURCE = "/supervision/ledger"
_NS = uuid.UUID("3c0d7f4e-58a1-4f0b-9e2d-6a1b7c9d2e10")

H_AGGREGATE = "ledger_aggregate"
H_SEQ = "ledger_seq"
H_COMMAND = "ledger_command"
H_ACTION = "ledger_action"

JournalItem = LedgerEvent | BookRecord

PROBLEM, CLASS_OF_CASE, THEME = "problem", "class_of_case", "theme"


def is_record(record_type: str) -> bool:
    return record_type.startswith(RECORD_PREFIX)


_RECORD_CLASSES = (ProblemIndexed, ComplaintLinked, TeamRecorded, ThemeSet)


def encode_item(item: JournalItem) -> bytes:
    if isinstance(item, _RECORD_CLASSES):
        return encode_record(item)
    return encode_event(item)


def decode_item(record_type: str, raw: bytes | str) -> JournalItem:
    return decode_record(raw) if is_record(record_type) else decode_event(raw)


def theme_aggregate_id(theme_id: str) -> str:
    return f"theme:{theme_id}"


def event_id_for(aggregate_id: str, seq: int) -> str:
    """Deterministic: the same aggregate and position always name the same entry."""
    return str(uuid.uuid5(_NS, f"{aggregate_id}#{seq}"))


@dataclass(frozen=True)
class Entry:
    """One journal entry with everything its table row and its Kafka record need."""

    aggregate_type: str
    aggregate_id: str
    seq: int
    command_id: str
    action: str
    item: JournalItem

    @property
    def event_id(self) -> str:
        return event_id_for(self.aggregate_id, self.seq)

    @property
    def record_type(self) -> str:
        return self.item.type

    def row(self) -> dict[str, Any]:
        return {
            "aggregate_id": self.aggregate_id, "seq": self.seq,
            "aggregate_type": self.aggregate_type, "event_id": self.event_id,
            "record_type": self.record_type, "command_id": self.command_id,
            "action": self.action, "actor": self.item.actor, "at": self.item.at,
            "body": encode_item(self.item).decode(),
        }

    def headers(self, traceparent: str | None = None) -> list[tuple[str, bytes]]:
        env = Envelope(type=self.record_type, source=SOURCE, subject=self.aggregate_id, data={},
                       id=self.event_id, time=self.item.at, traceparent=traceparent)
        return [
            *env.headers(),
            (H_AGGREGATE, self.aggregate_type.encode()),
            (H_SEQ, str(self.seq).encode()),
            (H_COMMAND, self.command_id.encode()),
            (H_ACTION, self.action.encode()),
        ]


class EntryHeaders(NamedTuple):
    """What a journal record's headers say, parsed back (the rebuild's side; a tuple because
    a rebuild makes millions of them)."""

    record_type: str
    aggregate_type: str
    aggregate_id: str
    seq: int
    event_id: str
    command_id: str
    action: str


def parse_headers(headers: Sequence[tuple[str, bytes]]) -> EntryHeaders:
    # Called once per record by a rebuild of millions: decode only what is needed.
    found = dict(headers)
    try:
        return EntryHeaders(
            found["ce_type"].decode(), found[H_AGGREGATE].decode(), found["ce_subject"].decode(),
            int(found[H_SEQ]), found["ce_id"].decode(), found[H_COMMAND].decode(),
            found[H_ACTION].decode(),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a ledger journal record: {exc}") from exc


def entries_for(aggregate_type: str, aggregate_id: str, after_seq: int,
                items: Sequence[JournalItem], command_id: str, action: str) -> list[Entry]:
    return [Entry(aggregate_type, aggregate_id, after_seq + i, command_id, action, item)
            for i, item in enumerate(items, start=1)]


async def append(session: AsyncSession, entries: Sequence[Entry]) -> None:
    """Store the entries and stage them for the journal topic, in the caller's transaction."""
    if not entries:
        return
    await store(session, entries)
    await stage_rows(session, outbox_rows(entries))


async def store(session: AsyncSession, entries: Sequence[Entry]) -> None:
    """The table rows only; the caller stages `outbox_rows` (with its other events, in one go)."""
    if entries:
        await session.execute(journal.insert(), [e.row() for e in entries])


def outbox_rows(entries: Sequence[Entry]) -> list[dict[str, object]]:
    traceparent = child_of(current_traceparent.get())
    return raw_rows([
        RawEvent(event_type=e.record_type, aggregate_type=e.aggregate_type, topic=LEDGER_JOURNAL.name,
                 key=e.aggregate_id, event_id=e.event_id, value=encode_item(e.item),
                 headers=e.headers(traceparent))
        for e in entries])
