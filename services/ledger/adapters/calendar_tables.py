"""Operator-maintained holiday tables (`data/calendar/<year>.json`) for the years the
chinese-calendar library does not know yet; see data/calendar/README.md for the format."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.ledger.domain.workdays import WorkingCalendar, YearSchedule

log = logging.getLogger(__name__)


def _days(entries: list[Any], where: str) -> set[date]:
    """ISO dates, or [first, last] pairs for a run of days (the notice says "1月1日至3日")."""
    out: set[date] = set()
    for entry in entries:
        if isinstance(entry, str):
            out.add(date.fromisoformat(entry))
        elif isinstance(entry, list) and len(entry) == 2:
            first, last = date.fromisoformat(entry[0]), date.fromisoformat(entry[1])
            if last < first:
                raise ValueError(f"{where}: range {entry} runs backwards")
            out.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        else:
            raise ValueError(f"{where}: {entry!r} is neither a date nor a [first, last] pair")
    return out


def load_schedule(path: Path) -> YearSchedule:
    data = json.loads(path.read_text(encoding="utf-8"))
    year = int(data["year"])
    if path.stem != str(year):
        raise ValueError(f"{path.name} holds the schedule of {year}")
    return YearSchedule(
        year=year,
        holidays=frozenset(_days(data.get("holidays", []), f"{path.name} holidays")),
        workdays=frozenset(_days(data.get("workdays", []), f"{path.name} workdays")),
        source=str(data.get("source", "")),
    )


def load_calendar(folder: Path) -> WorkingCalendar:
    """The working calendar with every `<year>.json` in `folder` (none is fine)."""
    schedules = [load_schedule(p) for p in sorted(folder.glob("[0-9][0-9][0-9][0-9].json"))]
    cal = WorkingCalendar(schedules)
    used = sorted(cal.schedules)
    if used:
        log.info("holiday tables loaded", extra={"years": used})
    for year in range(cal.last_year + 1, cal.last_year + 3):
        if cal.is_estimated_year(year):
            log.warning("no holiday data; deadlines in this year are estimated Monday to Friday",
                        extra={"year": year})
    return cal
