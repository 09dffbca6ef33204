"""Names of the official statistical divisions (统计用区划代码) from `data/divisions/*.csv`.

The domain checks a code's shape; this says whether it exists and what it is called, for places
of problems registered in the ledger itself and for the area names on statements.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.events.payloads.base import Place


@dataclass(frozen=True)
class Divisions:
    names: Mapping[str, str]  # any code (2..12 digits) -> name

    @classmethod
    def load(cls, folder: Path) -> Divisions:
        names: dict[str, str] = {}
        for stem in ("fujian_cities", "fujian_counties", "fujian_towns", "fujian_villages"):
            path = folder / f"{stem}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    names[row["code"]] = row["name"]
        return cls(names)

    def name(self, code: str) -> str | None:
        return self.names.get(code)

    def place(self, code: str) -> Place | None:
        """The place of a town (9 digits) or village (12 digits) code, with names; None when
        the code is not an official division."""
        if len(code) not in (9, 12) or not code.isdigit():
            return None
        town, county = code[:9], code[:6]
        names = [self.names.get(c) for c in (code, town, county)]
        if any(n is None for n in names):
            return None
        village = code if len(code) == 12 else None
        return Place(
            village_code=village, village_name=self.names[code] if village else None,
            town_code=town, town_name=self.names[town], county_code=county,
            county_name=self.names[county],
        )
