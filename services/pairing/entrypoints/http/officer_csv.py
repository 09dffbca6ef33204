"""The registry's CSV import format (干部库批量导入), one officer per row.

Columns (header required; `id, name, kind, unit, county_code` must be present, the rest may be):
  id, name, kind, unit, county_code, town_code, village_code, native_village_code,
  skills         separated by ";" (finance;law)
  capacity       an integer, default 5
  available      true/false, 1/0, yes/no, 是/否; default true
  past_posts     separated by ";", each `code:start:end` with a county, town or village code and
                 ISO dates (end empty: still held), e.g. 350623101:2019-03-01:2022-06-30
Files saved by spreadsheet software in China are often GB18030: that is accepted too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from services.pairing.entrypoints.http.schemas import OfficerIn
from shared.http.errors import validation_details

COLUMNS = ("id", "name", "kind", "unit", "county_code", "town_code", "village_code",
           "native_village_code", "skills", "capacity", "available", "past_posts")
REQUIRED = ("id", "name", "kind", "unit", "county_code")
MAX_ROWS = 20_000
TRUE = {"true", "1", "yes", "y", "是"}
FALSE = {"false", "0", "no", "n", "否"}


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def _post(entry: str) -> dict[str, Any]:
    parts = entry.split(":")
    if len(parts) != 3:
        raise ValueError(f"past post {entry!r} is not code:start:end")
    code, start, end = (p.strip() for p in parts)
    return {"county_code": code[:6], "town_code": code[:9] if len(code) >= 9 else None,
            "village_code": code if len(code) == 12 else None,
            "start": start or None, "end": end or None}


def _values(raw: dict[str, str]) -> dict[str, Any]:
    """Text cells to the JSON shapes of OfficerIn; ValueError names what is unreadable."""
    cell = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    values: dict[str, Any] = {k: cell[k] or None for k in COLUMNS[:8]}
    values["skills"] = [s.strip() for s in cell["skills"].split(";") if s.strip()]
    if cell["capacity"]:
        values["capacity"] = cell["capacity"]
    flag = cell["available"].lower()
    if flag:
        if flag not in TRUE | FALSE:
            raise ValueError(f"available is {cell['available']!r}, not true or false")
        values["available"] = flag in TRUE
    values["past_posts"] = [_post(e) for e in cell["past_posts"].split(";") if e.strip()]
    return values


def rows(text: str) -> Iterator[tuple[int, OfficerIn | None, list[dict[str, Any]]]]:
    """(spreadsheet row number, the officer or None, its errors) per data row; the header is
    row 1. A header problem is reported once, as row 1."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        yield 1, None, [{"row": 1, "field": ",".join(missing or unknown),
                         "code": "missing_columns" if missing else "unknown_columns",
                         "message": f"missing {missing}" if missing else f"unknown {unknown}"}]
        return
    reader.fieldnames = header
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            yield number, None, [{"row": number, "field": "", "code": "too_many_rows",
                                  "message": f"at most {MAX_ROWS} rows per import"}]
            return
        if None in raw:
            yield number, None, [{"row": number, "field": "", "code": "extra_cells",
                                  "message": "the row has more cells than the header"}]
            continue
        oid = (raw.get("id") or "").strip()
        try:
            officer = OfficerIn.model_validate(_values(raw))
        except ValidationError as exc:
            yield number, None, [{"row": number, "id": oid, **d} for d in validation_details(exc.errors())]
            continue
        except ValueError as exc:
            yield number, None, [{"row": number, "id": oid, "field": "", "code": "unreadable",
                                  "message": str(exc)}]
            continue
        if officer.id in seen:
            yield number, None, [{"row": number, "id": oid, "field": "id", "code": "duplicate_id",
                                  "message": f"{oid} appears twice in the file"}]
            continue
        seen.add(officer.id)
        yield number, officer, []
