"""Results of a pairing solve and their canonical serialisation (规范化输出).

The canonical JSON is what an auditor compares byte for byte: keys sorted, no spaces, teams
ordered by problem id, members in template order, probabilities as reduced fractions "n/d".
Solver statistics (arc counts, rounds) are kept out of it on purpose: they describe how the
answer was found, not the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .policy import Role


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """One member's cost (成本构成), in cost units; `tie_break` is the keyed tie-break added
    below one unit of real cost (see compiled.py) and is not part of `real`."""

    travel: int
    mismatch: int
    recency: int
    load: int
    tie_break: int

    @property
    def real(self) -> int:
        return self.travel + self.mismatch + self.recency + self.load

    def as_dict(self) -> dict[str, int]:
        return {
            "travel": self.travel,
            "mismatch": self.mismatch,
            "recency": self.recency,
            "load": self.load,
            "tie_break": self.tie_break,
            "real": self.real,
        }


@dataclass(frozen=True, slots=True)
class Member:
    role: Role
    officer_id: str
    cost: CostBreakdown
    probability: Fraction = Fraction(1)


@dataclass(frozen=True, slots=True)
class Team:
    problem_id: str
    members: tuple[Member, ...]

    def officer_ids(self) -> tuple[str, ...]:
        return tuple(m.officer_id for m in self.members)


@dataclass(frozen=True, slots=True)
class SolveStats:
    slots: int = 0
    candidate_arcs: int = 0
    pair_nodes: int = 0
    solves: int = 0
    arcs_added_by_check: int = 0
    dense_fallback: bool = False


def frac_str(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A conflict-free staffing of every problem of the input (no partial results).

    mode "exact": the deterministic optimum. mode "randomised": one draw from the capped LP;
    `probabilities` then holds every (problem, officer, P(officer on the team)) with P > 0,
    `seed` the hex seed the draw used and `expected_cost` the LP optimum.
    """

    teams: tuple[Team, ...]
    total_cost: int
    objective: int
    mode: str = "exact"
    seed: str | None = None
    q: Fraction | None = None
    expected_cost: Fraction | None = None
    probabilities: tuple[tuple[str, str, Fraction], ...] = ()
    stats: SolveStats = field(default_factory=SolveStats, compare=False)

    def team_of(self, problem_id: str) -> Team:
        for team in self.teams:
            if team.problem_id == problem_id:
                return team
        raise KeyError(problem_id)

    def loads(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for team in self.teams:
            for m in team.members:
                counts[m.officer_id] = counts.get(m.officer_id, 0) + 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "seed": self.seed,
            "q": frac_str(self.q) if self.q is not None else None,
            "total_cost": self.total_cost,
            "objective": self.objective,
            "expected_cost": frac_str(self.expected_cost)
            if self.expected_cost is not None
            else None,
            "teams": [
                {
                    "problem_id": t.problem_id,
                    "members": [
                        {
                            "role": m.role.value,
                            "officer_id": m.officer_id,
                            "cost": m.cost.as_dict(),
                            "probability": frac_str(m.probability),
                        }
                        for m in t.members
                    ],
                }
                for t in self.teams
            ],
            "probabilities": [[p, o, frac_str(v)] for p, o, v in self.probabilities],
        }

    def canonical_json(self) -> str:
        return canonical_dumps(self.as_dict())


def canonical_dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
