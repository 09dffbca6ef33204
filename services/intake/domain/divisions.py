"""Division registry 行政区划: official statistical division codes 统计用区划代码.

Codes are hierarchical: province 2 digits, city 4, county 6, town 9 (乡镇/街道), village 12
(村/社区). A complaint must name a village or a town; the county and city follow from the code.
The registry is built from the public CSV package in `shared/data/divisions/` (see `division_csv`
for the loader); this module itself does no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .errors import ErrorCode, FieldError


class DivisionLevel(StrEnum):
    CITY = "city"  # 地级市
    COUNTY = "county"  # 县(区)
    TOWN = "town"  # 乡镇/街道
    VILLAGE = "village"  # 村/社区


CODE_LENGTH = {
    DivisionLevel.CITY: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWN: 9,
    DivisionLevel.VILLAGE: 12,
}


@dataclass(frozen=True, slots=True)
class DivisionRow:
    """One row of an official file, whatever its level."""

    level: DivisionLevel
    code: str
    name: str
    parent_code: str


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place 地点: village optional, everything above it derived from the code."""

    province_code: str
    city: Division
    county: Division
    town: Division
    village: Division | None

    @property
    def code(self) -> str:
        """The finest code known: the clustering place key (village, or town when no village)."""
        return self.village.code if self.village else self.town.code

    @property
    def level(self) -> DivisionLevel:
        return DivisionLevel.VILLAGE if self.village else DivisionLevel.TOWN

    @property
    def full_name(self) -> str:
        parts = [self.city.name, self.county.name, self.town.name]
        if self.village:
            parts.append(short_village_name(self.village.name))
        return "".join(parts)


class DivisionError(ValueError):
    """A code the registry refuses, with the machine-readable reason."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def at(self, field: str) -> FieldError:
        return FieldError(field, self.code, self.message)


class DivisionDataError(ValueError):
    """The official files themselves are inconsistent; refuse to build a registry on them."""


def short_village_name(name: str) -> str:
    """`正达村委会` -> `正达村`, `蓝田社区居委会` -> `蓝田社区`: how people write addresses."""
    if name.endswith("村委会"):
        return name[: -len("委会")]
    if name.endswith("居委会"):
        return name[: -len("居委会")]
    return name


def _short_area_name(name: str) -> str:
    """`长泰区` -> `长泰`, `坂里乡` -> `坂里`: the part people may write without the suffix."""
    for suffix in ("街道", "自治县", "县", "区", "市", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class DivisionRegistry:
    """Every known city, county, town and village, indexed by code."""

    def __init__(self, rows: Iterable[DivisionRow]) -> None:
        self._names: dict[DivisionLevel, dict[str, str]] = {lvl: {} for lvl in DivisionLevel}
        self._children: dict[str, list[str]] = {}
        pending: list[DivisionRow] = []
        for row in rows:
            self._add(row)
            pending.append(row)
        self._check_parents(pending)

    @classmethod
    def from_csv_dir(
        cls, directory: str | os.PathLike[str], prefixes: list[str] | None = None
    ) -> DivisionRegistry:
        """Every complete province set in `directory` (e.g. `shared/data/divisions/`)."""
        from .division_csv import load_registry  # the loader imports this module

        return load_registry(Path(directory), prefixes)

    # -- building -------------------------------------------------------------------------------

    def _add(self, row: DivisionRow) -> None:
        expected = CODE_LENGTH[row.level]
        if len(row.code) != expected or not row.code.isdigit():
            raise DivisionDataError(f"{row.level} code {row.code!r} is not {expected} digits")
        if row.level is not DivisionLevel.CITY and row.parent_code != _parent_prefix(row):
            raise DivisionDataError(f"{row.code} names parent {row.parent_code}, not its prefix")
        table = self._names[row.level]
        known = table.get(row.code)
        if known is not None and known != row.name:
            raise DivisionDataError(f"{row.code} is both {known!r} and {row.name!r}")
        if known is None:
            table[row.code] = row.name
            self._children.setdefault(row.parent_code, []).append(row.code)

    def _check_parents(self, rows: list[DivisionRow]) -> None:
        counties = self._names[DivisionLevel.COUNTY]
        for row in rows:
            if row.level is DivisionLevel.TOWN and row.parent_code not in counties:
                # Cities without counties (e.g. 东莞) list towns under a `xx00` pseudo-county.
                city_name = self._names[DivisionLevel.CITY].get(row.code[:4])
                if city_name is None:
                    raise DivisionDataError(f"town {row.code} has no county {row.parent_code}")
                counties[row.parent_code] = city_name
            elif (
                row.level is DivisionLevel.VILLAGE
                and row.parent_code not in self._names[DivisionLevel.TOWN]
            ):
                raise DivisionDataError(f"village {row.code} has no town {row.parent_code}")

    # -- queries --------------------------------------------------------------------------------

    def count(self, level: DivisionLevel) -> int:
        return len(self._names[level])

    def name_of(self, code: str) -> str | None:
        level = _level_of_length(len(code))
        return self._names[level].get(code) if level else None

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code, ()))

    def counties(self) -> Iterator[Division]:
        for code, name in self._names[DivisionLevel.COUNTY].items():
            yield Division(code, name)

    def resolve(self, code: str) -> Place:
        """A 12-digit village or 9-digit town code -> Place, or DivisionError."""
        if not isinstance(code, str) or not code.isdigit() or not code.isascii():
            raise DivisionError(ErrorCode.BAD_FORMAT, "区划代码须为9位乡镇或12位村级数字代码")
        if len(code) == 12 and code.endswith("000"):
            # 12-digit padding of a town code ("350605200000") is common in other systems.
            code = code[:9]
        if len(code) in (4, 6):
            raise DivisionError(
                ErrorCode.DIVISION_TOO_COARSE, f"区划代码 {code} 是县级或市级代码,须具体到乡镇或村"
            )
        if len(code) == 12:
            name = self._names[DivisionLevel.VILLAGE].get(code)
            if name is None:
                raise DivisionError(ErrorCode.UNKNOWN_DIVISION, f"村级区划代码 {code} 不存在")
            return self._place(code[:9], Division(code, name))
        if len(code) == 9:
            if code not in self._names[DivisionLevel.TOWN]:
                raise DivisionError(ErrorCode.UNKNOWN_DIVISION, f"乡镇区划代码 {code} 不存在")
            return self._place(code, None)
        raise DivisionError(ErrorCode.BAD_FORMAT, "区划代码须为9位乡镇或12位村级数字代码")

    def resolve_within(
        self, code: str, *, town_code: str | None = None, county_code: str | None = None
    ) -> Place:
        """Resolve `code` and check it lies inside the town / county a caller also sent."""
        place = self.resolve(code)
        if town_code is not None and town_code != place.town.code:
            self.resolve(town_code)  # an unknown town is reported as unknown, not inconsistent
            raise DivisionError(
                ErrorCode.INCONSISTENT_DIVISION,
                f"区划代码 {code} 不属于乡镇 {town_code}",
            )
        if county_code is not None and county_code != place.county.code:
            raise DivisionError(
                ErrorCode.INCONSISTENT_DIVISION,
                f"区划代码 {code} 不属于县(区) {county_code}",
            )
        return place

    def _place(self, town_code: str, village: Division | None) -> Place:
        county_code, city_code = town_code[:6], town_code[:4]
        return Place(
            province_code=town_code[:2],
            city=Division(city_code, self._names[DivisionLevel.CITY].get(city_code, "")),
            county=Division(county_code, self._names[DivisionLevel.COUNTY][county_code]),
            town=Division(town_code, self._names[DivisionLevel.TOWN][town_code]),
            village=village,
        )

    def find_by_address(self, text: str) -> Place | None:
        """The one place an address string names (`长泰区坂里乡正达村`), or None if not unique.

        Only used when a caller sends no code (Open311 `address_string`); a guess that is not
        unique is refused rather than picked.
        """
        towns = [
            code
            for code in self._towns_named_in(text)
            if self._county_mentioned_or_unique(code, text)
        ]
        places: list[Place] = []
        for town in towns:
            villages = [
                v
                for v in self._children.get(town, ())
                if short_village_name(self._names[DivisionLevel.VILLAGE][v]) in text
            ]
            village = self._one_village(villages)
            name = self._names[DivisionLevel.VILLAGE][village] if village else ""
            places.append(self._place(town, Division(village, name) if village else None))
        return places[0] if len(places) == 1 else None

    def _one_village(self, codes: list[str]) -> str | None:
        """Drop names contained in another match ("东村" in "东村口村"); two left means none."""
        names = {c: short_village_name(self._names[DivisionLevel.VILLAGE][c]) for c in codes}
        kept = [c for c in codes if not any(names[c] in names[o] for o in codes if o != c)]
        return kept[0] if len(kept) == 1 else None

    def _towns_named_in(self, text: str) -> list[str]:
        return [code for code, name in self._names[DivisionLevel.TOWN].items() if name in text]

    def _county_mentioned_or_unique(self, town_code: str, text: str) -> bool:
        county_name = self._names[DivisionLevel.COUNTY][town_code[:6]]
        if county_name in text or _short_area_name(county_name) in text:
            return True
        town_name = self._names[DivisionLevel.TOWN][town_code]
        same_name = [c for c, n in self._names[DivisionLevel.TOWN].items() if n == town_name]
        return len(same_name) == 1


def _parent_prefix(row: DivisionRow) -> str:
    return row.code[: {DivisionLevel.COUNTY: 4, DivisionLevel.TOWN: 6, DivisionLevel.VILLAGE: 9}[
        row.level
    ]]


def _level_of_length(length: int) -> DivisionLevel | None:
    for level, size in CODE_LENGTH.items():
        if size == length:
            return level
    return None
