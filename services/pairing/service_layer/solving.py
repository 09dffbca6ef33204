"""Running the engine: exact or randomised, escalating what cannot be staffed, timed.

The solve runs in a worker thread (numpy and OR-Tools do the work), so the event loop keeps
serving HTTP and heartbeats while a large round is solved.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from services.pairing.domain.certificate import Escalation
from services.pairing.domain.compiled import Compile, Compiled
from services.pairing.domain.events import team_assigned_fields
from services.pairing.domain.model import PairingInput
from services.pairing.domain.optimiser import Infeasible, Outcome, solve_batch, solve_with_escalation
from services.pairing.domain.policy import Policy
from services.pairing.domain.randomised import solve_randomised
from services.pairing.domain.result import Assignment
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.state import Registry


@dataclass(frozen=True)
class SolveMode:
    """exact: the deterministic optimum (精确). randomised: one draw with every officer's chance
    on a team capped at q (随机), seeded from the input digest and `published_value`."""

    q: Fraction | None = None
    published_value: str | None = None

    @property
    def randomised(self) -> bool:
        return self.q is not None

    @property
    def name(self) -> str:
        return "randomised" if self.randomised else "exact"


@dataclass
class Solved:
    """One engine run: its input, the registry it was built from, the policy, the outcome."""

    inp: PairingInput
    registry: Registry
    policy: Policy
    mode: SolveMode
    assignment: Assignment | None
    escalations: tuple[Escalation, ...]
    seconds: float
    notes: dict[str, Any] = field(default_factory=dict)
    # Per team, the TeamAssigned fields of the domain (events.team_assigned_fields): members
    # with their posts, the eligible pool and exclusions by reason.
    fields: list[dict[str, Any]] = field(default_factory=list)


def team_fields(inp: PairingInput, policy: Policy, assignment: Assignment | None,
                compile: Compile = Compiled) -> list[dict[str, Any]]:
    """The TeamAssigned fields of each team: pools and exclusions per problem do not depend on
    the other problems, so the compile of the whole input (the solve's own) serves."""
    return team_assigned_fields(assignment, compile(inp, policy, 1)) if assignment is not None else []


def run(inp: PairingInput, policy: Policy, mode: SolveMode, compile: Compile = Compiled) -> Outcome:
    q, value = mode.q, mode.published_value or ""

    def exact(i: PairingInput, p: Policy) -> Assignment | Infeasible:
        return solve_batch(i, p, compile)

    def randomised(i: PairingInput, p: Policy) -> Assignment | Infeasible:
        assert q is not None
        return solve_randomised(i, q, value, p, compile)

    return solve_with_escalation(inp, policy, exact if q is None else randomised)


async def solve(ctx: PairingContext, kind: str, inp: PairingInput, registry: Registry, mode: SolveMode,
                policy: Policy) -> Solved:
    def work() -> tuple[Outcome, float, list[dict[str, Any]]]:
        compile = ctx.compiles.compiler()
        started = time.perf_counter()
        outcome = run(inp, policy, mode, compile)
        seconds = time.perf_counter() - started
        return outcome, seconds, team_fields(inp, policy, outcome.assignment, compile)

    outcome, seconds, fields = await asyncio.to_thread(work)
    ctx.solve_seconds.labels(kind, mode.name).observe(seconds)
    return Solved(inp, registry, policy, mode, outcome.assignment, outcome.escalations, seconds,
                  fields=fields)
