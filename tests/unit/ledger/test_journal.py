"""The journal's codec and the rebuild's fold, without Kafka or a database: an entry's headers
parse back, every record kind round-trips, and folding a command's entries gives the rows the
live path writes (so a rebuilt database can equal the live one)."""

from __future__ import annotations

import json

import pytest

from services.ledger.adapters.journal import (
    PROBLEM,
    JournalItem,
    decode_item,
    encode_item,
    entries_for,
    event_id_for,
    parse_headers,
)
from services.ledger.adapters.records import (
    BookRecord,
    ComplaintLinked,
    ProblemIndexed,
    TeamRecorded,
    ThemeSet,
)
from services.ledger.domain.enums import ProblemStatus
from services.ledger.domain.problem import Problem
from services.ledger.domain.serialization import state_dict
from services.ledger.service_layer.projection import apply_record, problem_values
from services.ledger.service_layer.rebuild import Folded, JournalGap
from shared.events.catalog import Place

from .factories import at, problem_in

PLACE = Place(village_code="350623101226", village_name="狮头村委会", town_code="350623101",
              town_name="旧镇镇", county_code="350623", county_name="漳浦县")


def journal_of_closed_problem() -> tuple[Problem, list[JournalItem]]:
    p, _ = problem_in(ProblemStatus.CLOSED)
    pid = p.problem_id
    records: list[JournalItem] = [
        ProblemIndexed(problem_id=pid, problem_key="pk-1", place=PLACE, actor="intake",
                       at=at(2024, 3, 4)),
        ComplaintLinked(problem_id=pid, complaint_id="c-1", reporter_ref="rep-ref-1",
                        channel="online", actor="intake", at=at(2024, 3, 4)),
        TeamRecorded(problem_id=pid, assignment_id="as-1", mode="skeleton",
                     members=[{"officer_id": "o-1", "role": "lead"}], actor="pairing",
                     at=at(2024, 3, 4)),
    ]
    items: list[JournalItem] = [*records, *p.new_events]
    return p, items


def records_of(items: list[JournalItem]) -> list[BookRecord]:
    return [i for i in items if isinstance(i, ProblemIndexed | ComplaintLinked | TeamRecorded)]


def test_every_entry_round_trips_through_its_record_and_headers() -> None:
    p, items = journal_of_closed_problem()
    entries = entries_for(PROBLEM, p.problem_id, 0, items, "cmd-1", "register")
    assert [e.seq for e in entries] == list(range(1, len(items) + 1))
    for e in entries:
        h = parse_headers(e.headers("00-" + "a" * 32 + "-" + "b" * 16 + "-01"))
        assert (h.record_type, h.aggregate_type, h.aggregate_id, h.seq, h.event_id,
                h.command_id, h.action) == (e.record_type, PROBLEM, e.aggregate_id, e.seq,
                                            event_id_for(e.aggregate_id, e.seq), "cmd-1",
                                            "register")
        assert decode_item(e.record_type, encode_item(e.item)) == e.item
        assert decode_item(e.record_type, e.row()["body"]) == e.item  # the table keeps the text
    theme = ThemeSet(theme_id="2025q3", area_code="350623", year=2025, quarter=3, topic="三资",
                     categories=["sanzi"], actor="county", at=at(2025, 7, 1))
    assert decode_item(theme.type, encode_item(theme)) == theme
    with pytest.raises(ValueError, match="not a ledger journal record"):
        parse_headers([("ce_type", b"x")])


def test_the_fold_gives_the_live_row_skips_duplicates_and_refuses_gaps() -> None:
    p, items = journal_of_closed_problem()
    entries = entries_for(PROBLEM, p.problem_id, 0, items, "cmd-1", "register")
    folded = Folded()
    for e in [*entries[:5], entries[2], *entries[5:]]:  # the relay published one twice
        folded.feed(parse_headers(e.headers()), encode_item(e.item))
    assert (folded.records, folded.duplicates) == (len(entries), 1)
    [row] = list(folded.problem_rows())
    meta = None
    for record in records_of(items):
        meta = apply_record(meta, record)
    assert meta is not None
    live = problem_values(p, meta, len(entries), entries[-1].item.at)
    assert json.loads(row["state"]) == state_dict(p)  # JSON text, written as is
    assert {**row, "state": live["state"]} == live
    assert len(folded.reports) == 1 and len(folded.take_journal_rows()) == len(entries)

    gap = Folded()
    gap.feed(parse_headers(entries[0].headers()), encode_item(entries[0].item))
    with pytest.raises(JournalGap, match="sequence 3 after 1"):
        gap.feed(parse_headers(entries[2].headers()), encode_item(entries[2].item))
