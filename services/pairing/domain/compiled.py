"""The input compiled to numpy arrays: vectorised eligibility and arc costs per team slot.

Canonical order: officers and problems are sorted by id and every array below follows that
order, so the same inputs given in any order compile to the same arrays and hence to the same
flow network, the same solver run and byte-identical output.

Eligibility uses the (key, reason) blocks of conflicts.py: officer-side keys are joined with
problem-side keys once into a sparse list of excluded (problem, officer) pairs; officer-wide
reasons (unavailable, no capacity) and the 提级 level rule are masks. Role qualification is a
mask per role.

Arc cost of (slot, officer) = real cost * scale + tie-break, where tie-break is a keyed
blake2b digest of each id mixed per pair (multiply-xorshift of the two 64-bit digests, top 8
bits). scale = 256 * (slots * b + 1) (b the slot supply, 1 unless randomised) keeps the sum of all
tie-breaks below one unit of real cost,
so every optimum of the scaled problem is an optimum of the real one; among the real optima
of the network solved the tie-break picks one that does not favour low ids and cannot be
steered without the key (policy.tiebreak_key).

What depends only on the registry (officer arrays, id digests, conflict blocks but those of
history) comes from officer_tables.py, built once per registry, policy and day by a caller that
keeps it; the history is read as columns (numpy), not officer by officer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .conflicts import REASON_ORDER, Reason, problem_keys
from .model import Officer, PairingInput, PastAssignment, Problem
from .officer_tables import ROLE_INDEX, ROLES, OfficerTables, Places, id_digest
from .policy import Policy, Role

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
BOOL = npt.NDArray[np.bool_]

TIEBREAK_BITS = 8
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_RECENT = REASON_ORDER[Reason.RECENT_SAME_TOWN]

__all__ = ["ROLES", "ROLE_INDEX", "Compile", "Compiled", "OfficerTables", "id_digest", "mix", "ranges"]


def mix(hp: U64, ho: U64) -> I64:
    """Per-pair tie-break in [0, 2**TIEBREAK_BITS) from per-id digests (broadcasting)."""
    x = np.bitwise_xor(hp, ho)
    x *= _MIX1  # in place: the same arithmetic with fewer temporaries
    x ^= x >> np.uint64(29)
    x *= _MIX2
    x >>= np.uint64(64 - TIEBREAK_BITS)
    out: I64 = x.astype(np.int64)
    return out


def ranges(starts: I64, counts: I64) -> I64:
    """Concatenation of arange(s, s + c) for each (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)


@dataclass(frozen=True)
class Block:
    """Costs and eligibility of a set of slots (rows) against every officer (columns)."""

    rows: I64
    real: I64
    travel: I64
    tie: I64
    cost: I64
    eligible: BOOL


class Compiled:
    """Arrays of one PairingInput under one Policy (see module docstring). `tables`: the
    registry's part, when the caller keeps one for these officers, policy and day (a solve
    per new problem then builds only what its problems, history and open cases add)."""

    def __init__(
        self, inp: PairingInput, policy: Policy, supply: int = 1, tables: OfficerTables | None = None
    ) -> None:
        self.inp = inp
        self.policy = policy
        if tables is None or not tables.fits(inp.officers, policy, inp.context.as_of):
            tables = OfficerTables(inp.officers, policy, inp.context.as_of)
        self.tables = tables
        self.officers: list[Officer] = tables.officers
        self.problems: list[Problem] = sorted(inp.problems, key=lambda p: p.id)
        if len({p.id for p in self.problems}) != len(self.problems):
            raise ValueError("duplicate problem id")
        self.n_off = len(self.officers)
        self.n_prob = len(self.problems)
        self.off_index = tables.off_index
        self.prob_index = {p.id: i for i, p in enumerate(self.problems)}
        self._places()
        self._officer_arrays()
        self._slots()
        self._exclusions()
        self._recency()
        self.h_off = tables.h_off
        key = policy.tiebreak_key
        self.h_prob = np.array([id_digest(key, "p", p.id) for p in self.problems], np.uint64)
        # `supply` b > 1 in randomised mode: flows are then up to b per slot
        self.scale = (1 << TIEBREAK_BITS) * (self.n_slots * supply + 1)

    @cached_property
    def history_by_officer(self) -> dict[str, list[PastAssignment]]:
        """Each officer's past assignments by (round, problem), for the scalar rule code."""
        out: dict[str, list[PastAssignment]] = defaultdict(list)
        for past in sorted(self.inp.history, key=lambda h: (h.officer_id, h.round, h.problem_id)):
            out[past.officer_id].append(past)
        return out

    def _places(self) -> None:
        t = self.tables
        own = t.places
        extra = {p.county_code for p in self.problems} - own.county_index.keys()
        places = Places.of(sorted({*own.counties, *extra}), self.policy) if extra else own
        self.counties = places.counties
        self.county_index = places.county_index
        self.county_city = places.county_city
        self.travel_table = places.travel_table
        self.off_county = t.off_county(places)

    def _history(self) -> tuple[I64, I64, I64, list[str]]:
        """The history as columns: officer index (-1 when not in the registry), age in rounds
        (current round minus the past one), town index, and the towns."""
        history = self.inp.history
        index = self.off_index
        towns: dict[str, int] = {}
        n = len(history)
        off = np.fromiter((index.get(h.officer_id, -1) for h in history), np.int64, n)
        age = self.inp.context.round - np.fromiter((h.round for h in history), np.int64, n)
        town = np.fromiter((towns.setdefault(h.town_code, len(towns)) for h in history), np.int64, n)
        return off, age, town, list(towns)

    def _officer_arrays(self) -> None:
        t = self.tables
        self.off_city = self.county_city[self.off_county]
        self.off_is_county = t.off_is_county
        used = np.zeros(self.n_off, np.int64)
        for oid, n in dict(self.inp.open_cases).items():
            j = self.off_index.get(oid)
            if j is not None:
                used[j] = n
        self.remaining = np.maximum(t.capacity - used, 0)
        self.wide_ok = t.available & (self.remaining > 0)
        self.hist_off, self.hist_age, self.hist_town, self.hist_towns = self._history()
        known = self.hist_off >= 0
        window = known & (self.hist_age >= 0) & (self.hist_age < self.policy.balance_rounds)
        self.workload = np.bincount(self.hist_off[window], minlength=self.n_off).astype(np.int64)
        self.qual = t.qual
        self.skill_bit = t.skill_bit
        self.off_skills = t.off_skills
    def _slots(self) -> None:
        slot_prob: list[int] = []
        slot_role: list[int] = []
        pref: list[int] = []
        for i, p in enumerate(self.problems):
            skill = self.policy.preferred_skill.get(p.category)
            pref.append(self.skill_bit.get(skill, 0) if skill is not None else 0)
            for role in self.policy.roles_for(p.category):
                slot_prob.append(i)
                slot_role.append(ROLE_INDEX[role])
        self.slot_prob = np.array(slot_prob, np.int64)
        self.slot_role = np.array(slot_role, np.int64)
        self.n_slots = len(slot_prob)
        self.prob_pref = np.array(pref, np.int64)
        self.prob_county = np.array(
            [self.county_index[p.county_code] for p in self.problems], np.int32
        )
        self.prob_city = (
            self.county_city[self.prob_county] if self.n_prob else np.zeros(0, np.int32)
        )
        self.prob_escalated = np.array([p.escalated for p in self.problems], bool)
        soft = {Role.LEAD, Role.MEMBER}
        self.role_soft = np.array([r in soft for r in ROLES], bool)
        starts = np.zeros(self.n_prob + 1, np.int64)
        np.add.at(starts, self.slot_prob + 1, 1)
        self.prob_slot_start = np.cumsum(starts)

    def _exclusions(self) -> None:
        """Sparse excluded (problem, officer) pairs from the key join, CSR by problem. Only the
        keys some problem has can exclude anyone, so the officer side is looked up by those:
        the registry's blocks from the tables, recent same-town blocks from the history."""
        key_ids: dict[str, int] = {}
        prob_side: list[tuple[int, str]] = []
        for i, p in enumerate(self.problems):
            for key in problem_keys(p):
                prob_side.append((i, key))
        static = self.tables.static_blocks
        recent = self._recent_blocks({k for _, k in prob_side})
        parts: list[I64] = []
        for _, key in prob_side:
            if key in key_ids:
                continue
            found = [b for b in (static.get(key), recent.get(key)) if b is not None]
            if found:
                kid = key_ids[key] = len(key_ids)
                for b in found:
                    parts.append(np.column_stack([np.full(len(b), kid, np.int64), b]))
        # kept for explain.pool_summaries: (key, officer, reason) and (problem, key) rows
        self.block_rows = np.concatenate([np.zeros((0, 3), np.int64), *parts])
        self.key_rows = np.array(
            [(i, key_ids[k]) for i, k in prob_side if k in key_ids], np.int64
        ).reshape(-1, 2)
        self.n_keys = len(key_ids)
        if not len(self.block_rows) or not len(self.key_rows):
            self.excl_start = np.zeros(self.n_prob + 1, np.int64)
            self.excl_off = np.zeros(0, np.int64)
            return
        oa = self.block_rows[:, :2]
        oa = oa[np.lexsort((oa[:, 1], oa[:, 0]))]
        key_start = np.searchsorted(oa[:, 0], np.arange(self.n_keys + 1))
        pa = self.key_rows
        counts = key_start[pa[:, 1] + 1] - key_start[pa[:, 1]]
        offs = oa[ranges(key_start[pa[:, 1]], counts), 1]
        probs = np.repeat(pa[:, 0], counts)
        pairs = np.sort(probs * max(self.n_off, 1) + offs)
        pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
        probs, offs = pairs // max(self.n_off, 1), pairs % max(self.n_off, 1)
        self.excl_start = np.searchsorted(probs, np.arange(self.n_prob + 1)).astype(np.int64)
        self.excl_off = offs.astype(np.int64)

    def _recent_blocks(self, keys: set[str]) -> dict[str, I64]:
        """RECENT_SAME_TOWN (conflicts.officer_blocks) by town key, for the town keys among
        `keys`: (officer, reason) rows of registry officers assigned there within
        policy.recent_rounds."""
        wanted = [i for i, t in enumerate(self.hist_towns) if "T:" + t in keys]
        recent = (
            (self.hist_off >= 0) & (self.hist_age >= 0) & (self.hist_age <= self.policy.recent_rounds)
        )
        recent &= np.isin(self.hist_town, wanted)
        if not recent.any():
            return {}
        town, off = self.hist_town[recent], self.hist_off[recent]
        order = np.argsort(town, kind="stable")
        town, off = town[order], off[order]
        cut = np.flatnonzero(np.diff(town)) + 1
        return {
            "T:" + self.hist_towns[int(group_town[0])]: np.column_stack(
                [group_off, np.full(len(group_off), _RECENT, np.int64)]
            )
            for group_town, group_off in zip(np.split(town, cut), np.split(off, cut), strict=True)
        }

    def _recency(self) -> None:
        """rec[o, county]: past assignments to that county within policy.recency_rounds."""
        self.rec = np.zeros((self.n_off, max(len(self.counties), 1)), np.int64)
        county = np.array(
            [self.county_index.get(t[:6], -1) for t in self.hist_towns], np.int64
        )[self.hist_town] if len(self.hist_town) else np.zeros(0, np.int64)
        counted = (
            (self.hist_off >= 0) & (county >= 0)
            & (self.hist_age >= 0) & (self.hist_age < self.policy.recency_rounds)
        )
        np.add.at(self.rec, (self.hist_off[counted], county[counted]), 1)
        self.rec_any = bool(self.rec.any())

    # -- per-slot blocks ------------------------------------------------------------------

    def parts(self, p: I64, r: I64, o: I64) -> tuple[I64, I64, I64, I64]:
        """(travel, mismatch, recency, tie-break) of problems p in roles r for officers o;
        the three index arrays broadcast against each other."""
        w = self.policy.weights
        travel = self.travel_table[self.prob_county[p], self.off_county[o]]
        pref = self.prob_pref[p]
        lacks = (self.off_skills[o] & pref) == 0
        mismatch = (w.mismatch * (self.role_soft[r] & (pref != 0) & lacks)).astype(np.int64)
        if self.rec_any:
            recency = (w.recency * self.rec[o, self.prob_county[p]]).astype(np.int64)
        else:  # no history: skip a gather over every pair
            recency = np.broadcast_to(np.zeros(1, np.int64), np.shape(travel))
        tie = mix(self.h_prob[p], self.h_off[o])
        return travel, mismatch, recency, tie

    def pair_eligible(self, p: I64, r: I64, o: I64) -> BOOL:
        """Eligibility of problems p in roles r for officers o (broadcasting), without the
        sparse exclusions (callers apply those)."""
        eligible = self.qual[r, o] & self.wide_ok[o]
        esc = self.prob_escalated[p]
        allowed = self.off_is_county[o]
        if self.policy.escalated_same_county:
            allowed = allowed & (self.off_county[o] == self.prob_county[p])
        return np.asarray(eligible & (~esc | allowed), bool)

    def block(self, rows: I64) -> Block:
        """Costs and eligibility of the slots `rows` against all officers."""
        p = self.slot_prob[rows][:, None]
        r = self.slot_role[rows][:, None]
        o = np.arange(self.n_off, dtype=np.int64)[None, :]
        travel, mismatch, recency, tie = self.parts(p, r, o)
        real = travel + mismatch + recency
        cost = real * self.scale + tie
        eligible = np.array(np.broadcast_to(self.pair_eligible(p, r, o), real.shape))
        pr = p[:, 0]
        counts = self.excl_start[pr + 1] - self.excl_start[pr]
        if counts.sum():
            cols = self.excl_off[ranges(self.excl_start[pr], counts)]
            eligible[np.repeat(np.arange(len(rows)), counts), cols] = False
        return Block(rows=rows, real=real, travel=travel, tie=tie, cost=cost, eligible=eligible)

    def load_costs(self, officer: int, count: int) -> list[int]:
        """Real load cost of an officer's 0th..count-1th new case (convex, see policy.py)."""
        base = int(self.workload[officer])
        return [self.policy.weights.load * (base + j) for j in range(count)]


# (input, policy, supply) -> Compiled: the class itself, or a caller's that reuses tables
Compile = Callable[[PairingInput, Policy, int], Compiled]
