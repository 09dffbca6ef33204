"""What a compiled input takes from the registry alone, computed once per registry.

A solve in incremental mode has one problem (or a few) and a registry of hundreds or thousands
of officers: building the per-officer arrays, tie-break digests and conflict blocks again for
every problem cost more than the solve itself. Nothing here depends on the problems, the
history or the open cases, only on the officers, the policy and the day (the served-within-N-
years cutoff), so one `OfficerTables` serves every solve on the same registry, policy and day;
compiled.py adds the per-solve parts and gives the same arrays as if built from scratch.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from .conflicts import REASON_ORDER, officer_blocks
from .model import Context, Level, Officer
from .policy import ROLE_SKILL, Policy, Role, qualifies

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
BOOL = npt.NDArray[np.bool_]

ROLES: tuple[Role, ...] = tuple(Role)
ROLE_INDEX: dict[Role, int] = {r: i for i, r in enumerate(ROLES)}


def id_digest(key: bytes, prefix: str, ident: str) -> int:
    digest = hashlib.blake2b((prefix + "|" + ident).encode(), key=key[:64], digest_size=8)
    return int.from_bytes(digest.digest(), "big")


@dataclass(frozen=True)
class Places:
    """Counties in canonical (sorted) order, their cities and the travel cost between them."""

    counties: list[str]
    county_index: dict[str, int]
    county_city: I32
    travel_table: I64

    @classmethod
    def of(cls, counties: list[str], policy: Policy) -> Places:
        cities = sorted({c[:4] for c in counties})
        city_index = {c: i for i, c in enumerate(cities)}
        county_city = np.array([city_index[c[:4]] for c in counties], np.int32)
        w = policy.weights
        same_city = county_city[:, None] == county_city[None, :]
        travel = np.where(same_city, w.mid, w.far).astype(np.int64)
        np.fill_diagonal(travel, w.near)
        return cls(counties, {c: i for i, c in enumerate(counties)}, county_city, travel)


class OfficerTables:
    """The registry's part of Compiled (see module docstring), officers in id order."""

    def __init__(self, officers: tuple[Officer, ...], policy: Policy, as_of: date) -> None:
        self.source = officers
        self.policy = policy
        self.as_of = as_of
        self.officers: list[Officer] = sorted(officers, key=lambda o: o.id)
        self.off_index = {o.id: i for i, o in enumerate(self.officers)}
        if len(self.off_index) != len(self.officers):
            raise ValueError("duplicate officer id")
        offs = self.officers
        self.county_codes = [o.post.county_code for o in offs]
        self.places = Places.of(sorted(set(self.county_codes)), policy)
        self.own_off_county = np.array(
            [self.places.county_index[c] for c in self.county_codes], np.int32
        )
        self.off_is_county = np.array([o.level is Level.COUNTY for o in offs], bool)
        self.capacity = np.array([o.capacity for o in offs], np.int64)
        self.available = np.array([o.available for o in offs], bool)
        # qualification per role: [n_roles, n_off]
        self.qual = np.array([[qualifies(o, r) for o in offs] for r in ROLES], bool).reshape(
            len(ROLES), len(offs)
        )
        skills = sorted({s for o in offs for s in o.skills} | set(ROLE_SKILL.values()))
        self.skill_bit = {s: 1 << i for i, s in enumerate(skills)}
        self.off_skills = np.array(
            [sum(self.skill_bit[s] for s in o.skills) for o in offs], np.int64
        )
        key = policy.tiebreak_key
        self.h_off = np.array([id_digest(key, "o", o.id) for o in offs], np.uint64)
        # The conflict blocks that do not come from history, by key: (officers, reasons).
        # History blocks (recent same town) are added per solve by compiled.py.
        rows: dict[str, list[tuple[int, int]]] = defaultdict(list)
        moment = Context(as_of=as_of, round=0)
        for j, o in enumerate(offs):
            for k, reason in officer_blocks(o, policy, moment):
                rows[k].append((j, REASON_ORDER[reason]))
        self.static_blocks: dict[str, I64] = {
            k: np.array(v, np.int64).reshape(-1, 2) for k, v in rows.items()
        }

    def fits(self, officers: tuple[Officer, ...], policy: Policy, as_of: date) -> bool:
        """Built from these officers, under this policy, for this day."""
        return (
            as_of == self.as_of
            and (officers is self.source or officers == self.source)
            and (policy is self.policy or policy == self.policy)
        )

    def off_county(self, places: Places) -> I32:
        """Each officer's county index among `places` (the registry's own, or more)."""
        if places is self.places:
            return self.own_off_county
        return np.array([places.county_index[c] for c in self.county_codes], np.int32)
