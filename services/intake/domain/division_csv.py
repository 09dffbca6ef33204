"""Loader for the public division CSV package 统计用区划代码 (the domain's one file reader).

Format (as in `shared/data/divisions/`, any province):
    <prefix>_cities.csv    code,name,provinceCode
    <prefix>_counties.csv  code,name,cityCode,provinceCode           (upstream name: areas.csv)
    <prefix>_towns.csv     code,name,areaCode,provinceCode,cityCode  (upstream name: streets.csv)
    <prefix>_villages.csv  code,name,streetCode,provinceCode,cityCode,areaCode
Columns are found by header name, so extra or reordered columns are fine.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from .divisions import DivisionDataError, DivisionLevel, DivisionRegistry, DivisionRow

# Which column holds the parent code, per level; the upstream package's own naming.
_PARENT_COLUMN = {
    DivisionLevel.CITY: "provinceCode",
    DivisionLevel.COUNTY: "cityCode",
    DivisionLevel.TOWN: "areaCode",
    DivisionLevel.VILLAGE: "streetCode",
}
# File-name stems per level: ours first, then the upstream package's.
_STEMS = {
    DivisionLevel.CITY: ("cities",),
    DivisionLevel.COUNTY: ("counties", "areas"),
    DivisionLevel.TOWN: ("towns", "streets"),
    DivisionLevel.VILLAGE: ("villages",),
}
_LEVEL_ORDER = {level: i for i, level in enumerate(DivisionLevel)}


def read_division_csv(path: Path, level: DivisionLevel) -> Iterator[DivisionRow]:
    """Rows of one official file; raises DivisionDataError naming the file and line."""
    parent_column = _PARENT_COLUMN[level]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DivisionDataError(f"{path}: empty file")
        try:
            code_at, name_at = header.index("code"), header.index("name")
            parent_at = header.index(parent_column)
        except ValueError as exc:
            raise DivisionDataError(
                f"{path}: header needs code, name, {parent_column}; got {header}"
            ) from exc
        for line_no, record in enumerate(reader, start=2):
            if not record:
                continue
            try:
                yield DivisionRow(
                    level, record[code_at].strip(), record[name_at].strip(),
                    record[parent_at].strip(),
                )
            except IndexError as exc:
                raise DivisionDataError(f"{path}:{line_no}: too few columns") from exc


def division_files(directory: Path, prefix: str) -> dict[DivisionLevel, Path]:
    """The files of one province prefix (`fujian`) in `directory`; cities are optional."""
    found: dict[DivisionLevel, Path] = {}
    for level, stems in _STEMS.items():
        for stem in stems:
            candidate = directory / f"{prefix}_{stem}.csv" if prefix else directory / f"{stem}.csv"
            if candidate.is_file():
                found[level] = candidate
                break
        else:
            if level is not DivisionLevel.CITY:
                raise DivisionDataError(f"{directory}: no {prefix}_{stems[0]}.csv")
    return found


def province_prefixes(directory: Path) -> list[str]:
    """Prefixes that have a complete set (`fujian`); partial extracts (`zhangzhou`) are skipped."""
    prefixes = []
    for counties in sorted(directory.glob("*counties.csv")) + sorted(directory.glob("*areas.csv")):
        prefix = counties.name.rsplit("_", 1)[0] if "_" in counties.name else ""
        try:
            division_files(directory, prefix)
        except DivisionDataError:
            continue
        prefixes.append(prefix)
    return prefixes


def iter_province_rows(directory: Path, prefix: str) -> Iterator[DivisionRow]:
    """All rows of one province, parents before children (what an import command stores)."""
    for level, path in sorted(
        division_files(directory, prefix).items(), key=lambda kv: _LEVEL_ORDER[kv[0]]
    ):
        yield from read_division_csv(path, level)


def load_registry(directory: Path | str, prefixes: list[str] | None = None) -> DivisionRegistry:
    """Registry of every province in `directory` (or only `prefixes`)."""
    directory = Path(directory)
    chosen = prefixes if prefixes is not None else province_prefixes(directory)
    if not chosen:
        raise DivisionDataError(f"{directory}: no complete set of division files")

    def rows() -> Iterator[DivisionRow]:
        for prefix in chosen:
            yield from iter_province_rows(directory, prefix)

    return DivisionRegistry(rows())
