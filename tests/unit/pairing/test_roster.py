"""Rosters: county–township pairing and cross-town cycles over real Zhangzhou towns."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from services.pairing.domain.instances import Divisions
from services.pairing.domain.roster import (
    CountyUnit,
    RosterInfeasible,
    county_township_roster,
    cross_town_roster,
    roster_csv,
    zones_by_county,
)


def units_of(div: Divisions, per_county: int = 4) -> list[CountyUnit]:
    return [
        CountyUnit(f"{c}-{i}", f"{name}纪委监委第{i + 1}室", c)
        for c, name in sorted(div.counties.items())
        for i in range(per_county)
    ]


def test_county_township_roster(zhangzhou: Divisions) -> None:
    units = units_of(zhangzhou, 5)
    towns = sorted(zhangzhou.towns)
    forbidden = {(units[0].id, t) for t in towns if t[:6] == units[0].county_code}
    history = {(units[1].id, towns[0])}
    periods = 3
    roster = county_township_roster(units, towns, periods, "2024Q3", forbidden, history)
    assert roster == county_township_roster(units, towns, periods, "2024Q3", forbidden, history)
    per_town = Counter((r.period, r.inspected) for r in roster)
    assert set(per_town) == {(p, t) for p in range(periods) for t in towns}
    assert set(per_town.values()) == {1}
    pairs = [(r.inspector, r.inspected) for r in roster]
    assert len(pairs) == len(set(pairs))  # no repeated pair over the periods
    assert not set(pairs) & (forbidden | history)
    county_of = {u.id: u.county_code for u in units}
    assert all(county_of[r.inspector] == r.inspected[:6] for r in roster)
    towns_per_county = Counter(t[:6] for t in towns)
    load = Counter((r.period, r.inspector) for r in roster)
    for (_, unit), n in load.items():
        assert n <= math.ceil(towns_per_county[county_of[unit]] / 5)
    assert roster != county_township_roster(units, towns, periods, "2024Q4", forbidden, history)


def test_county_roster_infeasible_when_too_few_units(zhangzhou: Divisions) -> None:
    with pytest.raises(RosterInfeasible):
        county_township_roster(units_of(zhangzhou, 2), sorted(zhangzhou.towns), 3, "s")


def test_cross_town_cycles(zhangzhou: Divisions) -> None:
    zones = zones_by_county(sorted(zhangzhou.towns))
    assert all(len(z) >= 3 for z in zones)
    assert sorted(t for z in zones for t in z) == sorted(zhangzhou.towns)
    towns = sorted(zhangzhou.towns)
    forbidden = {(towns[0], towns[1]), (towns[2], towns[0])}
    periods = 4
    roster = cross_town_roster(zones, periods, "2024", forbidden)
    assert roster == cross_town_roster(zones, periods, "2024", forbidden)
    by_period = defaultdict(list)
    for r in roster:
        by_period[r.period].append((r.inspector, r.inspected))
    for pairs in by_period.values():
        assert sorted(b for _, b in pairs) == towns  # every town inspected once
        assert sorted(a for a, _ in pairs) == towns  # and inspects once
        assert all(a != b for a, b in pairs)
        assert not {(b, a) for a, b in pairs} & set(pairs)  # no reciprocal pair
    everything = [(r.inspector, r.inspected) for r in roster]
    assert len(everything) == len(set(everything))
    assert not set(everything) & forbidden
    zone_of = {t: i for i, z in enumerate(zones) for t in z}
    assert all(zone_of[a] == zone_of[b] for a, b in everything)


def test_cross_town_refuses_more_periods_than_partners(zhangzhou: Divisions) -> None:
    zone = sorted(zhangzhou.towns)[:4]
    with pytest.raises(RosterInfeasible):
        cross_town_roster([zone], 4, "s")  # 4 towns have only 3 partners each


def test_csv_export(zhangzhou: Divisions) -> None:
    zones = zones_by_county(sorted(zhangzhou.towns))
    roster = cross_town_roster(zones[:1], 1, "s")
    names = {c: v[0] for c, v in zhangzhou.towns.items()}
    text = roster_csv(roster, names)
    lines = text.splitlines()
    assert lines[0] == "period,inspector,inspector_name,inspected,inspected_name"
    assert len(lines) == 1 + len(zones[0])
    a, b = roster[0].inspector, roster[0].inspected
    assert lines[1] == f"0,{a},{names[a]},{b},{names[b]}"
