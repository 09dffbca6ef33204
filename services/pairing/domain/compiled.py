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
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .conflicts import Reason, officer_blocks, problem_keys
from .model import Level, Officer, PairingInput, PastAssignment, Problem
from .policy import ROLE_SKILL, Policy, Role, qualifies

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
BOOL = npt.NDArray[np.bool_]

TIEBREAK_BITS = 8
ROLES: tuple[Role, ...] = tuple(Role)
ROLE_INDEX: dict[Role, int] = {r: i for i, r in enumerate(ROLES)}
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)


def id_digest(key: bytes, prefix: str, ident: str) -> int:
    digest = hashlib.blake2b((prefix + "|" + ident).encode(), key=key[:64], digest_size=8)
    return int.from_bytes(digest.digest(), "big")


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
    """Arrays of one PairingInput under one Policy (see module docstring)."""

    def __init__(self, inp: PairingInput, policy: Policy, supply: int = 1) -> None:
        self.inp = inp
        self.policy = policy
        self.officers: list[Officer] = sorted(inp.officers, key=lambda o: o.id)
        self.problems: list[Problem] = sorted(inp.problems, key=lambda p: p.id)
        if len({o.id for o in self.officers}) != len(self.officers):
            raise ValueError("duplicate officer id")
        if len({p.id for p in self.problems}) != len(self.problems):
            raise ValueError("duplicate problem id")
        self.n_off = len(self.officers)
        self.n_prob = len(self.problems)
        self.off_index = {o.id: i for i, o in enumerate(self.officers)}
        self.prob_index = {p.id: i for i, p in enumerate(self.problems)}
        self.history_by_officer: dict[str, list[PastAssignment]] = defaultdict(list)
        for past in sorted(inp.history, key=lambda h: (h.officer_id, h.round, h.problem_id)):
            self.history_by_officer[past.officer_id].append(past)
        self._places()
        self._officer_arrays()
        self._slots()
        self._exclusions()
        self._recency()
        key = policy.tiebreak_key
        self.h_off = np.array([id_digest(key, "o", o.id) for o in self.officers], np.uint64)
        self.h_prob = np.array([id_digest(key, "p", p.id) for p in self.problems], np.uint64)
        # `supply` b > 1 in randomised mode: flows are then up to b per slot
        self.scale = (1 << TIEBREAK_BITS) * (self.n_slots * supply + 1)

    def _places(self) -> None:
        counties = sorted(
            {o.post.county_code for o in self.officers} | {p.county_code for p in self.problems}
        )
        self.counties = counties
        self.county_index = {c: i for i, c in enumerate(counties)}
        cities = sorted({c[:4] for c in counties})
        city_index = {c: i for i, c in enumerate(cities)}
        self.county_city = np.array([city_index[c[:4]] for c in counties], np.int32)
        w = self.policy.weights
        same_city = self.county_city[:, None] == self.county_city[None, :]
        self.travel_table = np.where(same_city, w.mid, w.far).astype(np.int64)
        np.fill_diagonal(self.travel_table, w.near)

    def _officer_arrays(self) -> None:
        open_cases = dict(self.inp.open_cases)
        offs = self.officers
        self.off_county = np.array([self.county_index[o.post.county_code] for o in offs], np.int32)
        self.off_city = self.county_city[self.off_county]
        self.off_is_county = np.array([o.level is Level.COUNTY for o in offs], bool)
        self.remaining = np.array(
            [max(0, o.capacity - open_cases.get(o.id, 0)) for o in offs], np.int64
        )
        self.wide_ok = np.array([o.available for o in offs], bool) & (self.remaining > 0)
        horizon = self.policy.balance_rounds
        now = self.inp.context.round
        self.workload = np.array(
            [
                sum(
                    1 for h in self.history_by_officer.get(o.id, ()) if 0 <= now - h.round < horizon
                )
                for o in offs
            ],
            np.int64,
        )
        # qualification per role: [n_roles, n_off]
        self.qual = np.array([[qualifies(o, r) for o in offs] for r in ROLES], bool).reshape(
            len(ROLES), len(offs)
        )
        skills = sorted({s for o in offs for s in o.skills} | set(ROLE_SKILL.values()))
        self.skill_bit = {s: 1 << i for i, s in enumerate(skills)}
        self.off_skills = np.array(
            [sum(self.skill_bit[s] for s in o.skills) for o in offs], np.int64
        )

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
        """Sparse excluded (problem, officer) pairs from the key join, CSR by problem."""
        key_ids: dict[str, int] = {}
        off_side: list[tuple[int, int]] = []
        reasons: list[Reason] = []
        ctx = self.inp.context
        for j, o in enumerate(self.officers):
            blocks = officer_blocks(o, self.policy, ctx, self.history_by_officer.get(o.id, ()))
            for key, reason in blocks:
                off_side.append((key_ids.setdefault(key, len(key_ids)), j))
                reasons.append(reason)
        prob_side: list[tuple[int, int]] = []
        for i, p in enumerate(self.problems):
            for key in problem_keys(p):
                kid = key_ids.get(key)
                if kid is not None:
                    prob_side.append((i, kid))
        # kept for explain.pool_summaries: (key, officer, reason) and (problem, key) rows
        reason_index = {r: i for i, r in enumerate(Reason)}
        self.block_rows = np.array(
            [(k, j, reason_index[r]) for (k, j), r in zip(off_side, reasons, strict=True)],
            np.int64,
        ).reshape(-1, 3)
        self.key_rows = np.array(prob_side, np.int64).reshape(-1, 2)
        self.n_keys = len(key_ids)
        if not off_side or not prob_side:
            self.excl_start = np.zeros(self.n_prob + 1, np.int64)
            self.excl_off = np.zeros(0, np.int64)
            return
        oa = np.array(off_side, np.int64)
        oa = oa[np.lexsort((oa[:, 1], oa[:, 0]))]
        key_start = np.searchsorted(oa[:, 0], np.arange(len(key_ids) + 1))
        pa = np.array(prob_side, np.int64)
        counts = key_start[pa[:, 1] + 1] - key_start[pa[:, 1]]
        offs = oa[ranges(key_start[pa[:, 1]], counts), 1]
        probs = np.repeat(pa[:, 0], counts)
        pairs = np.sort(probs * max(self.n_off, 1) + offs)
        pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
        probs, offs = pairs // max(self.n_off, 1), pairs % max(self.n_off, 1)
        self.excl_start = np.searchsorted(probs, np.arange(self.n_prob + 1)).astype(np.int64)
        self.excl_off = offs.astype(np.int64)

    def _recency(self) -> None:
        """rec[o, county]: past assignments to that county within policy.recency_rounds."""
        self.rec = np.zeros((self.n_off, max(len(self.counties), 1)), np.int64)
        now = self.inp.context.round
        for o, pasts in self.history_by_officer.items():
            j = self.off_index.get(o)
            if j is None:
                continue
            for h in pasts:
                c = self.county_index.get(h.town_code[:6])
                if c is not None and 0 <= now - h.round < self.policy.recency_rounds:
                    self.rec[j, c] += 1
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
