"""Rosters (轮换名单): county–township pairing (县乡结对) and cross-town zones (片区交叉).

County–township pairing: within each county, every township commission is paired with one
county unit (内设机构 or 派驻纪检监察组) per period; a unit takes at most ceil(towns/units)
towns per period. Over all periods (and the pairs in `history`) no pair repeats, and no
forbidden pair is used. Method (as in the measured reference): one min-cost flow picks, for
every town, `periods` distinct allowed units (arc costs are keyed hashes of the seed, so the
choice is random but reproducible), then the picks are split into per-period matchings by
bipartite edge colouring (Kőnig: a bipartite multigraph of maximum degree P has a proper
P-edge-colouring; each unit is split into ceil(towns/units) copies of degree <= P first). A
town has degree exactly P, so it gets one unit in every period. Reciprocity cannot arise:
units and towns are different kinds.

Cross-town inspection (town A's problems handled by town B's commission): per zone (by
default the towns of one county; zones smaller than 3 are merged with a neighbour, since two
towns can only inspect each other) and per period, one random single cycle through the zone:
each town inspects the next. A single cycle of 3 or more towns has no self-pair and no
reciprocal pair; cycles are drawn (seeded) until one avoids every forbidden pair and every
pair used before. Exports are CSV text.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .randomised import Draws


class RosterInfeasible(ValueError):
    """No roster satisfies the rules (the message says which town or zone fails)."""


@dataclass(frozen=True, slots=True)
class CountyUnit:
    id: str
    name: str
    county_code: str


@dataclass(frozen=True, slots=True)
class RosterPair:
    period: int
    inspector: str  # unit id or town code
    inspected: str  # town code


def _hash_cost(seed: str, a: str, b: str) -> int:
    digest = hashlib.sha256(f"{seed}|{a}|{b}".encode()).digest()
    return 1 + int.from_bytes(digest[:3], "big")


def _edge_colour(edges: list[tuple[str, str]], colours: int) -> list[int]:
    """Proper edge colouring of a bipartite multigraph with max degree <= colours (Kőnig)."""
    at: dict[str, dict[int, int]] = defaultdict(dict)  # node -> colour -> edge index
    colour = [-1] * len(edges)

    def other(e: int, node: str) -> str:
        x, y = edges[e]
        return y if x == node else x

    for e, (x, y) in enumerate(edges):
        alpha = next(c for c in range(colours) if c not in at[x])
        beta = next(c for c in range(colours) if c not in at[y])
        if alpha not in at[y]:
            beta = alpha
        else:
            # flip the alpha/beta path from y; it cannot reach x (bipartite parity)
            path, node, c = [], y, alpha
            while c in at[node]:
                f = at[node][c]
                path.append(f)
                node = other(f, node)
                c = beta if c == alpha else alpha
            for f in path:
                u, v = edges[f]
                del at[u][colour[f]]
                del at[v][colour[f]]
            for f in path:
                colour[f] = beta if colour[f] == alpha else alpha
                u, v = edges[f]
                at[u][colour[f]] = f
                at[v][colour[f]] = f
            beta = alpha
        colour[e] = beta
        at[x][beta] = e
        at[y][beta] = e
    return colour


def county_township_roster(
    units: Sequence[CountyUnit],
    towns: Sequence[str],
    periods: int,
    seed: str,
    forbidden: Iterable[tuple[str, str]] = (),
    history: Iterable[tuple[str, str]] = (),
) -> list[RosterPair]:
    """Pair every town with a unit of its own county in each of `periods` periods."""
    banned = set(forbidden) | set(history)
    out: list[RosterPair] = []
    by_county: dict[str, list[str]] = defaultdict(list)
    for t in sorted(set(towns)):
        by_county[t[:6]].append(t)
    for county, ts in sorted(by_county.items()):
        us = sorted(u.id for u in units if u.county_code == county)
        if not us:
            raise RosterInfeasible(f"county {county} has no county unit")
        per_period = -(-len(ts) // len(us))
        allowed = [(t, u) for t in ts for u in us if (u, t) not in banned]
        for t in ts:
            n = sum(1 for x, _ in allowed if x == t)
            if n < periods:
                raise RosterInfeasible(f"town {t} has {n} allowed units for {periods} periods")
        smcf = min_cost_flow.SimpleMinCostFlow()
        t_ix = {t: i for i, t in enumerate(ts)}
        u_ix = {u: len(ts) + i for i, u in enumerate(us)}
        sink = len(ts) + len(us)
        tails = np.array([t_ix[t] for t, _ in allowed] + list(u_ix.values()), np.int64)
        heads = np.array([u_ix[u] for _, u in allowed] + [sink] * len(us), np.int64)
        caps = np.array([1] * len(allowed) + [per_period * periods] * len(us), np.int64)
        costs = np.array([_hash_cost(seed, u, t) for t, u in allowed] + [0] * len(us), np.int64)
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supplies = np.array([periods] * len(ts) + [0] * len(us) + [-periods * len(ts)], np.int64)
        smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
        if smcf.solve() != smcf.OPTIMAL:
            raise RosterInfeasible(f"county {county}: units cannot cover {periods} periods")
        picked = [allowed[i] for i in range(len(allowed)) if smcf.flow(i) > 0]
        copies: dict[str, int] = defaultdict(int)
        edges = []
        for t, u in picked:  # round-robin over a unit's copies keeps each copy's degree <= P
            edges.append((f"t:{t}", f"u:{u}#{copies[u] % per_period}"))
            copies[u] += 1
        colour = _edge_colour(edges, periods)
        out.extend(RosterPair(colour[i], u, t) for i, (t, u) in enumerate(picked))
    return sorted(out, key=lambda r: (r.period, r.inspected, r.inspector))


def zones_by_county(towns: Sequence[str], min_size: int = 3) -> list[list[str]]:
    """Towns grouped by county in code order; a group below min_size joins the previous
    zone (the first one joins the next), so every zone can hold a cycle without reciprocal
    pairs."""
    groups: dict[str, list[str]] = defaultdict(list)
    for t in sorted(set(towns)):
        groups[t[:6]].append(t)
    zones: list[list[str]] = []
    for _county, ts in sorted(groups.items()):
        if zones and len(ts) < min_size:
            zones[-1].extend(ts)
        else:
            zones.append(list(ts))
    if len(zones) > 1 and len(zones[0]) < min_size:
        zones[1][:0] = zones.pop(0)
    return zones


def cross_town_roster(
    zones: Sequence[Sequence[str]],
    periods: int,
    seed: str,
    forbidden: Iterable[tuple[str, str]] = (),
    history: Iterable[tuple[str, str]] = (),
    attempts: int = 2000,
) -> list[RosterPair]:
    """Per zone and period one seeded random cycle: each town's inspector is the previous
    town of the cycle. No self, reciprocal, forbidden or repeated (inspector, inspected)."""
    banned = set(forbidden)
    used = set(history)
    out: list[RosterPair] = []
    for z, zone in enumerate(zones):
        towns = sorted(zone)
        if len(towns) < 3:
            raise RosterInfeasible(f"zone {z} has {len(towns)} towns; a cycle needs 3")
        draws = Draws(f"{seed}|zone|{'|'.join(towns)}")
        for period in range(periods):
            cycle = _draw_cycle(towns, draws, banned | used, attempts)
            if cycle is None:
                raise RosterInfeasible(f"zone {z} period {period}: no cycle avoids used pairs")
            for i, a in enumerate(cycle):
                b = cycle[(i + 1) % len(cycle)]
                used.add((a, b))
                out.append(RosterPair(period, a, b))
    return sorted(out, key=lambda r: (r.period, r.inspected))


def _draw_cycle(
    towns: list[str], draws: Draws, banned: set[tuple[str, str]], attempts: int
) -> list[str] | None:
    """A random Hamiltonian cycle avoiding banned directed pairs (randomised greedy with
    restarts: a random start, then a random allowed unvisited successor each step)."""
    for _ in range(attempts):
        rest = towns[:]
        path = [rest.pop(draws.below(len(rest)))]
        while rest:
            options = [t for t in rest if (path[-1], t) not in banned]
            if not options:
                break
            nxt = options[draws.below(len(options))]
            rest.remove(nxt)
            path.append(nxt)
        if not rest and (path[-1], path[0]) not in banned:
            return path
    return None


def roster_csv(pairs: Sequence[RosterPair], names: Mapping[str, str]) -> str:
    """CSV text: period, inspector code and name, inspected code and name."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["period", "inspector", "inspector_name", "inspected", "inspected_name"])
    for p in pairs:
        writer.writerow(
            [
                p.period,
                p.inspector,
                names.get(p.inspector, ""),
                p.inspected,
                names.get(p.inspected, ""),
            ]
        )
    return buf.getvalue()
