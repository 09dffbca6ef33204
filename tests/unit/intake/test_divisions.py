from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from services.intake.domain.division_csv import load_registry, province_prefixes
from services.intake.domain.divisions import (
    DivisionDataError,
    DivisionError,
    DivisionLevel,
    DivisionRegistry,
)
from services.intake.domain.errors import ErrorCode

from .conftest import BANLI, DIVISIONS, SHITOU, ZHENGDA


def test_loads_all_of_fujian_well_under_a_second() -> None:
    started = time.perf_counter()
    registry = DivisionRegistry.from_csv_dir(DIVISIONS)
    elapsed = time.perf_counter() - started
    assert registry.count(DivisionLevel.COUNTY) == 84
    assert registry.count(DivisionLevel.TOWN) == 1170
    assert registry.count(DivisionLevel.VILLAGE) == 17498
    assert elapsed < 1.0


def test_zhangzhou_has_the_documented_scale(registry: DivisionRegistry) -> None:
    counties = registry.children("3506")
    towns = [t for c in counties for t in registry.children(c)]
    villages = [v for t in towns for v in registry.children(t)]
    assert (len(counties), len(towns), len(villages)) == (11, 146, 2135)


def test_partial_extracts_are_not_taken_for_a_province() -> None:
    assert province_prefixes(DIVISIONS) == ["fujian"]


def test_village_code_resolves_to_the_whole_chain(registry: DivisionRegistry) -> None:
    place = registry.resolve(ZHENGDA)
    assert place.village is not None and place.village.name == "正达村委会"
    assert (place.town.code, place.town.name) == (BANLI, "坂里乡")
    assert (place.county.code, place.county.name) == ("350605", "长泰区")
    assert (place.city.code, place.city.name) == ("3506", "漳州市")
    assert place.code == ZHENGDA and place.level is DivisionLevel.VILLAGE
    assert place.full_name == "漳州市长泰区坂里乡正达村"


def test_town_code_resolves_without_a_village(registry: DivisionRegistry) -> None:
    place = registry.resolve(BANLI)
    assert place.village is None and place.code == BANLI
    assert place.level is DivisionLevel.TOWN


def test_twelve_digit_padded_town_code_is_the_town(registry: DivisionRegistry) -> None:
    assert registry.resolve(BANLI + "000") == registry.resolve(BANLI)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("350605200299", ErrorCode.UNKNOWN_DIVISION),  # no such village in 坂里乡
        ("350605299", ErrorCode.UNKNOWN_DIVISION),  # no such town in 长泰区
        ("350605", ErrorCode.DIVISION_TOO_COARSE),  # a county
        ("3506", ErrorCode.DIVISION_TOO_COARSE),  # a city
        ("35060520020", ErrorCode.BAD_FORMAT),  # 11 digits
        ("35060520020x", ErrorCode.BAD_FORMAT),
        ("３５０６０５２００２０６", ErrorCode.BAD_FORMAT),  # full-width digits
        ("", ErrorCode.BAD_FORMAT),
    ],
)
def test_refused_codes_say_why(registry: DivisionRegistry, code: str, error: ErrorCode) -> None:
    with pytest.raises(DivisionError) as caught:
        registry.resolve(code)
    assert caught.value.code is error
    assert caught.value.at("place_code").field == "place_code"


def test_village_outside_the_given_town_is_inconsistent(registry: DivisionRegistry) -> None:
    with pytest.raises(DivisionError) as caught:
        registry.resolve_within(SHITOU, town_code=BANLI)
    assert caught.value.code is ErrorCode.INCONSISTENT_DIVISION
    with pytest.raises(DivisionError) as caught:
        registry.resolve_within(ZHENGDA, county_code="350623")
    assert caught.value.code is ErrorCode.INCONSISTENT_DIVISION
    assert registry.resolve_within(ZHENGDA, town_code=BANLI, county_code="350605").code == ZHENGDA


def test_address_string_names_one_place_or_none(registry: DivisionRegistry) -> None:
    place = registry.find_by_address("漳州市长泰区坂里乡正达村委会门口的水渠")
    assert place is not None and place.code == ZHENGDA
    town_only = registry.find_by_address("平和县霞寨镇花山溪边")
    assert town_only is not None and town_only.code == "350628107"
    # Two villages named: the town is certain, the village is not.
    both = registry.find_by_address("长泰区坂里乡正达村和丹岩村")
    assert both is not None and both.code == BANLI
    assert registry.find_by_address("我们村里") is None


def _copy_rows(src: Path, dst: Path, keep: str) -> None:
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        reader = csv.reader(fin)
        writer = csv.writer(fout)
        writer.writerow(next(reader))
        writer.writerows(r for r in reader if r[0].startswith(keep))


def test_any_province_in_the_upstream_file_naming_loads(tmp_path: Path) -> None:
    # The upstream package names counties `areas` and towns `streets`; a real slice of it.
    _copy_rows(DIVISIONS / "fujian_cities.csv", tmp_path / "x_cities.csv", "3506")
    _copy_rows(DIVISIONS / "fujian_counties.csv", tmp_path / "x_areas.csv", "350605")
    _copy_rows(DIVISIONS / "fujian_towns.csv", tmp_path / "x_streets.csv", "350605")
    _copy_rows(DIVISIONS / "fujian_villages.csv", tmp_path / "x_villages.csv", "350605")
    registry = load_registry(tmp_path)
    assert registry.resolve(ZHENGDA).county.name == "长泰区"
    with pytest.raises(DivisionError):
        registry.resolve(SHITOU)


def test_inconsistent_official_files_are_refused(tmp_path: Path) -> None:
    _copy_rows(DIVISIONS / "fujian_counties.csv", tmp_path / "x_counties.csv", "350605")
    _copy_rows(DIVISIONS / "fujian_towns.csv", tmp_path / "x_towns.csv", "350605")
    rows = (DIVISIONS / "fujian_villages.csv").read_text(encoding="utf-8").splitlines()
    header, zhengda = rows[0], next(r for r in rows if r.startswith(ZHENGDA))
    broken = zhengda.replace(",350605200,", ",350605100,")  # streetCode not its own prefix
    (tmp_path / "x_villages.csv").write_text(f"{header}\n{broken}\n", encoding="utf-8")
    with pytest.raises(DivisionDataError):
        load_registry(tmp_path)
