"""Compiling the engine's input once per solve, on registry tables kept across solves.

A new problem is solved against the same registry as the one before it, so what depends only
on the registry, the policy and the day (domain/officer_tables.py) is kept here, like the
registry itself (state.load_registry): the registry cache hands out the same officers tuple
while the registry is unchanged, and that is what a cached table is checked against. Within
one solve, the engine and the TeamAssigned fields read the same Compiled.
"""

from __future__ import annotations

import threading
from datetime import date

from services.pairing.domain.compiled import Compiled
from services.pairing.domain.model import Officer, PairingInput
from services.pairing.domain.officer_tables import OfficerTables
from services.pairing.domain.policy import Policy

# The incremental policy and the round policy on today and yesterday, say: a few are enough.
KEPT_TABLES = 4


class TablesCache:
    """The last few OfficerTables, shared by every solve of the process (solves run in worker
    threads: the list is replaced whole, under a lock)."""

    def __init__(self, size: int = KEPT_TABLES) -> None:
        self.size = size
        self._tables: list[OfficerTables] = []
        self._lock = threading.Lock()

    def tables(self, officers: tuple[Officer, ...], policy: Policy, as_of: date) -> OfficerTables:
        for kept in self._tables:
            if kept.fits(officers, policy, as_of):
                return kept
        built = OfficerTables(officers, policy, as_of)
        with self._lock:
            self._tables = [built, *self._tables[: self.size - 1]]
        return built

    def compiler(self) -> Compilations:
        return Compilations(self)


class Compilations:
    """The compiles of one solve: each input once (by identity), on the kept tables."""

    def __init__(self, cache: TablesCache) -> None:
        self.cache = cache
        self._done: dict[tuple[int, int], tuple[PairingInput, Compiled]] = {}

    def __call__(self, inp: PairingInput, policy: Policy, supply: int = 1) -> Compiled:
        done = self._done.get((id(inp), supply))
        if done is not None and done[0] is inp and done[1].policy == policy:
            return done[1]
        tables = self.cache.tables(inp.officers, policy, inp.context.as_of)
        comp = Compiled(inp, policy, supply, tables)
        self._done[(id(inp), supply)] = (inp, comp)  # the input is held: its id stays its own
        return comp
