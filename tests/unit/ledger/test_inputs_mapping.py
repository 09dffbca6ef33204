"""Small translations at the edges: complaint text to a title, intake's routing to the level a
problem is registered at, period names, holiday tables, recorded-stream lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.ledger.adapters.calendar_tables import load_calendar, load_schedule
from services.ledger.adapters.recording import read_lines, record_line
from services.ledger.domain.enums import Level
from services.ledger.domain.period import Period
from services.ledger.entrypoints.http.render import parse_period
from services.ledger.service_layer.intake_events import registering_level, title_of


def test_the_title_is_the_first_line_shortened() -> None:
    assert title_of("\n  鱼塘被占用  \n第二行") == "鱼塘被占用"
    long = "村" * 80
    assert len(title_of(long)) == 60 and title_of(long).endswith("…")


@pytest.mark.parametrize(("escalate", "handling", "level"), [
    (False, None, Level.TOWN), (False, "county", Level.COUNTY),
    # 提级: registered one below the handling level; the domain records the transfer up
    (True, None, Level.TOWN), (True, "county", Level.TOWN), (True, "city", Level.COUNTY),
    (False, "nonsense", Level.TOWN),
])
def test_the_registering_level_honours_intakes_routing(escalate: bool, handling: str | None,
                                                       level: Level) -> None:
    complaint = SimpleNamespace(escalate_up=escalate, handling_level=handling)
    assert registering_level(complaint) is level  # type: ignore[arg-type]


def test_periods_by_their_short_names() -> None:
    assert parse_period("2025") == Period.year(2025)
    assert parse_period("2025Q3") == parse_period("2025-Q3") == Period.quarter(2025, 3)
    assert parse_period("2025-07") == Period.month(2025, 7)
    with pytest.raises(ValueError):
        parse_period("2025Q5")


def test_a_holiday_table_takes_runs_and_single_days(tmp_path: Path) -> None:
    (tmp_path / "2027.json").write_text(json.dumps({
        "year": 2027, "source": "test table",
        "holidays": [["2027-02-05", "2027-02-11"], "2027-04-05"],
        "workdays": ["2027-02-13"]}), encoding="utf-8")
    schedule = load_schedule(tmp_path / "2027.json")
    assert len(schedule.holidays) == 8 and date(2027, 2, 8) in schedule.holidays
    cal = load_calendar(tmp_path)
    assert not cal.is_estimated_year(2027) and cal.is_estimated_year(2028)
    assert cal.is_workday(date(2027, 2, 13)) and not cal.is_workday(date(2027, 2, 8))


@pytest.mark.parametrize(("name", "body", "message"), [
    ("2027.json", {"year": 2028}, "holds the schedule of 2028"),
    ("2027.json", {"year": 2027, "holidays": [["2027-02-11", "2027-02-05"]]}, "backwards"),
    ("2027.json", {"year": 2027, "holidays": [42]}, "neither a date"),
])
def test_a_malformed_table_is_refused(tmp_path: Path, name: str, body: dict[str, object],
                                      message: str) -> None:
    (tmp_path / name).write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_schedule(tmp_path / name)


def test_a_recorded_line_replays_as_the_same_record(tmp_path: Path) -> None:
    value = json.dumps({"complaint_id": "c-1", "description": "鱼塘"}, ensure_ascii=False)
    records = [
        SimpleNamespace(topic="ns.intake.complaints", partition=2, offset=7, timestamp=1000,
                        key=b"c-1", headers=[("ce_id", b"e-1")], value=value.encode()),
        SimpleNamespace(topic="ns.intake.visits", partition=0, offset=0, timestamp=900,
                        key=None, headers=[], value=b"\xff\x00 not json"),
    ]
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(json.dumps(record_line(r, "ns.")) for r in records) + "\n")
    first, second = read_lines(path)
    assert (first.topic, first.key, first.headers, json.loads(first.value or b"")) == (
        "intake.complaints", b"c-1", [("ce_id", b"e-1")], json.loads(value))
    assert (second.topic, second.key, second.value) == ("intake.visits", None,
                                                        b"\xff\x00 not json")
    assert [r.topic for r in read_lines(path, ["intake.visits"])] == ["intake.visits"]
