"""Test and benchmark instances on the REAL division codes (统计用区划代码).

Places are never invented: every post, native place and problem location is a real county,
town or village from the CSV files in shared/data/divisions. The people are synthetic (官员0001,
...), as are their skills, histories and declared relations. Generation is deterministic in
`seed` (random.Random), so a benchmark figure can be reproduced.

`load_divisions` is the only function in the pairing domain that reads a file; it is for
fixtures and the benchmark, the service never calls it. `parse_divisions` does the work on
text and is pure.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from .model import (
    Category,
    Context,
    Officer,
    OfficerKind,
    PairingInput,
    Post,
    Problem,
    Relation,
    RelationKind,
    Skill,
    TargetKind,
)

ZHANGZHOU = "3506"
CATEGORY_WEIGHTS: tuple[tuple[Category, float], ...] = (
    (Category.SANZI, 0.35),
    (Category.BIDDING, 0.15),
    (Category.CONDUCT, 0.15),
    (Category.BENEFITS, 0.10),
    (Category.ECOLOGY, 0.10),
    (Category.LIVELIHOOD, 0.10),
    (Category.OTHER, 0.05),
)
SKILL_RATES: tuple[tuple[Skill, float], ...] = (
    (Skill.FINANCE, 0.35),
    (Skill.ENGINEERING, 0.25),
    (Skill.ECOLOGY, 0.20),
    (Skill.LAW, 0.25),
    (Skill.CONDUCT, 0.40),
)
SPECIALIST = (Skill.FINANCE, Skill.ENGINEERING, Skill.ECOLOGY, Skill.LAW)


@dataclass(frozen=True)
class Divisions:
    counties: dict[str, str]  # code -> name
    towns: dict[str, tuple[str, str]]  # code -> (name, county code)
    villages: dict[str, tuple[str, str]]  # code -> (name, town code)

    def restrict(self, prefix: str) -> Divisions:
        """Only the places whose code starts with `prefix` (e.g. "3506" for 漳州市)."""
        return Divisions(
            {c: n for c, n in self.counties.items() if c.startswith(prefix)},
            {c: v for c, v in self.towns.items() if c.startswith(prefix)},
            {c: v for c, v in self.villages.items() if c.startswith(prefix)},
        )

    def towns_by_county(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for code, (_name, county) in sorted(self.towns.items()):
            out[county].append(code)
        return dict(out)

    def villages_by_town(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for code, (_name, town) in sorted(self.villages.items()):
            out[town].append(code)
        return dict(out)


def parse_divisions(counties_csv: str, towns_csv: str, villages_csv: str) -> Divisions:
    counties = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(counties_csv))}
    towns = {r["code"]: (r["name"], r["areaCode"]) for r in csv.DictReader(io.StringIO(towns_csv))}
    villages = {
        r["code"]: (r["name"], r["streetCode"]) for r in csv.DictReader(io.StringIO(villages_csv))
    }
    # only places whose parents are present, so derived codes always resolve
    towns = {c: v for c, v in towns.items() if v[1] in counties}
    villages = {c: v for c, v in villages.items() if v[1] in towns}
    return Divisions(counties, towns, villages)


def load_divisions(directory: str | Path) -> Divisions:
    """Read fujian_counties.csv, fujian_towns.csv and fujian_villages.csv from `directory`."""
    d = Path(directory)
    return parse_divisions(
        (d / "fujian_counties.csv").read_text(encoding="utf-8"),
        (d / "fujian_towns.csv").read_text(encoding="utf-8"),
        (d / "fujian_villages.csv").read_text(encoding="utf-8"),
    )


def _pick_category(rng: random.Random) -> Category:
    x = rng.random()
    for cat, w in CATEGORY_WEIGHTS:
        x -= w
        if x < 0:
            return cat
    return Category.OTHER


def _skills(rng: random.Random, must: Skill | None = None) -> frozenset[Skill]:
    got = {s for s, rate in SKILL_RATES if rng.random() < rate}
    if must is not None:
        got.add(must)
    return frozenset(got)


def make_officers(
    div: Divisions,
    n_officers: int,
    rng: random.Random,
    as_of: date,
    capacity: int,
    county_share: float = 0.2,
    village_share: float = 0.2,
) -> list[Officer]:
    """Officers spread over the real places of `div`: county units in every county (each
    county gets at least one officer per specialist skill), township officers round-robin
    over the towns, village supervisors in random villages."""
    by_county = div.towns_by_county()
    villages_by_town = div.villages_by_town()
    towns = sorted(t for t in div.towns if t in villages_by_town)
    villages = sorted(div.villages)
    counties = sorted(c for c in by_county if any(t in villages_by_town for t in by_county[c]))
    n_county = max(2 * len(counties) * len(SPECIALIST), int(n_officers * county_share))
    n_village = int(n_officers * village_share)
    n_town = max(0, n_officers - n_county - n_village)
    specs: list[tuple[OfficerKind, Post, Skill | None]] = []
    must: Skill | None
    for i in range(n_county):
        county = counties[i % len(counties)]
        kind = OfficerKind.COUNTY_DEPT if (i // len(counties)) % 3 else OfficerKind.DISPATCHED_GROUP
        must = SPECIALIST[(i // len(counties)) % len(SPECIALIST)]
        specs.append((kind, Post(f"{div.counties[county]}纪委监委", county), must))
    town_order = towns[:]
    rng.shuffle(town_order)
    for i in range(n_town):
        town = town_order[i % len(town_order)]
        specs.append(
            (OfficerKind.TOWNSHIP, Post(f"{div.towns[town][0]}纪委", town[:6], town), None)
        )
    for _ in range(n_village):
        v = rng.choice(villages)
        specs.append(
            (
                OfficerKind.VILLAGE_SUPERVISOR,
                Post(f"{div.villages[v][0]}监委会", v[:6], v[:9], v),
                None,
            )
        )
    officers = []
    for i, (kind, post, must) in enumerate(specs):
        local = [t for t in by_county.get(post.county_code, []) if t in villages_by_town]
        if rng.random() < 0.7 and local:
            native = rng.choice(villages_by_town[rng.choice(local)])
        else:
            native = rng.choice(villages)
        past: tuple[Post, ...] = ()
        if rng.random() < 0.5 and local:
            t = rng.choice(local)
            end = as_of - timedelta(days=rng.randint(30, 6 * 365))
            past = (Post(f"{div.towns[t][0]}", t[:6], t, start=end - timedelta(days=900), end=end),)
        officers.append(
            Officer(
                id=f"O{i:05d}",
                name=f"官员{i:04d}",
                kind=kind,
                post=post,
                native_village=native,
                skills=_skills(rng, must),
                capacity=capacity,
                available=rng.random() > 0.03,
                past_posts=past,
            )
        )
    return officers


def make_problems(
    div: Divisions,
    n_problems: int,
    rng: random.Random,
    escalated_share: float = 0.02,
    start: int = 0,
    subjects: int | None = None,
) -> list[Problem]:
    """Problems about a pool of subjects (village cadres, several complaints each, as in the
    source's repeated reports); each problem is in its subject's real village."""
    villages = sorted(div.villages)
    n_subjects = subjects if subjects is not None else max(1, n_problems // 10)
    pool = [
        (v, f"cadre:{v}:{rng.randint(1, 3)}")
        for v in rng.sample(villages, min(n_subjects, len(villages)))
    ]
    problems = []
    for i in range(n_problems):
        v, subject = rng.choice(pool)
        problems.append(
            Problem(
                id=f"P{start + i:06d}",
                town_code=v[:9],
                village_code=v,
                category=_pick_category(rng),
                subject_id=subject,
                escalated=rng.random() < escalated_share,
            )
        )
    return problems


def declare_relations(
    officers: list[Officer], problems: list[Problem], rng: random.Random, share: float
) -> list[Officer]:
    """Each officer declares relations to about `share` of the distinct subjects (so about
    that share of (officer, problem) pairs is forbidden) and, for one in five, to a village."""
    subjects = sorted({p.subject_id for p in problems if p.subject_id})
    villages = sorted({p.village_code for p in problems if p.village_code})
    n = round(share * len(subjects))
    out = []
    for o in officers:
        rels = [Relation(RelationKind.KIN, TargetKind.PERSON, s) for s in rng.sample(subjects, n)]
        if villages and rng.random() < 0.2:
            rels.append(Relation(RelationKind.INTEREST, TargetKind.PLACE, rng.choice(villages)))
        out.append(replace(o, relations=tuple(rels)))
    return out


def synthetic_instance(
    div: Divisions,
    n_officers: int,
    n_problems: int,
    seed: int,
    *,
    capacity: int | None = None,
    forbidden_share: float = 0.05,
    escalated_share: float = 0.02,
    as_of: date = date(2024, 6, 30),
    round_index: int = 0,
) -> PairingInput:
    rng = random.Random(seed)
    if capacity is None:
        capacity = max(3, -(-4 * n_problems // max(n_officers, 1)))
    officers = make_officers(div, n_officers, rng, as_of, capacity)
    problems = make_problems(div, n_problems, rng, escalated_share)
    officers = declare_relations(officers, problems, rng, forbidden_share)
    return PairingInput(
        officers=tuple(officers),
        problems=tuple(problems),
        context=Context(as_of=as_of, round=round_index),
    )
