"""Names of the official statistical divisions (统计用区划代码) from `data/divisions/*.csv`.

The registry refuses places that do not exist, rosters list a county's real towns, and the
roster export prints place names beside the codes.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Divisions:
    names: Mapping[str, str]  # county (6), town (9) and village (12 digits) code -> name
    towns_of_county: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, folder: Path) -> Divisions:
        names: dict[str, str] = {}
        towns: dict[str, list[str]] = defaultdict(list)
        for stem in ("fujian_counties", "fujian_towns", "fujian_villages"):
            path = folder / f"{stem}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    names[row["code"]] = row["name"]
                    if stem == "fujian_towns":
                        towns[row["areaCode"]].append(row["code"])
        return cls(names, {c: tuple(sorted(ts)) for c, ts in towns.items()})

    def exists(self, code: str) -> bool:
        return code in self.names

    def name(self, code: str) -> str:
        return self.names.get(code, "")

    def towns(self, county_code: str) -> tuple[str, ...]:
        return self.towns_of_county.get(county_code, ())
