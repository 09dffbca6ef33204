"""What the use cases share: settings, the policy, the divisions, the clock and the metrics."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

from services.pairing.adapters.divisions import Divisions
from services.pairing.domain.policy import Policy
from services.pairing.service_layer.compiling import TablesCache
from services.pairing.settings import PairingSettings

# A solve takes from milliseconds (one problem) to seconds (a province's month).
SOLVE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


RULES = ("served_years", "recent_rounds", "recency_rounds", "balance_rounds", "escalated_same_county")
# The optimiser's speed knobs: they never change the real cost of an answer, but they shape the
# candidate network whose real optima the tie-break chooses among, so a replay needs them too.
TUNING = ("candidates_per_slot", "spread_per_slot", "reprice_rounds", "reprice_per_slot",
          "pricing_per_slot", "pricing_margin")
# New problems (one, or the few of one consumer fetch): every eligible officer is a candidate
# from the start, so the first solve is already the dense optimum and pricing confirms it in one
# pass (measured: one solve instead of about 30 when officers carry a year of history, 18 ms
# instead of 230 ms for 325 officers).
DENSE = 1 << 30


def policy_params(policy: Policy) -> dict[str, Any]:
    """The policy as stored with each solve. The tie-break key itself is not stored (it keeps
    tie-breaks unsteerable); its hash shows whether it changed since."""
    return {
        **{name: getattr(policy, name) for name in RULES + TUNING},
        "tiebreak_key_sha256": hashlib.sha256(policy.tiebreak_key).hexdigest(),
    }


@dataclass
class PairingContext:
    settings: PairingSettings
    policy: Policy
    divisions: Divisions
    solve_seconds: Histogram
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    registry: Any = None  # state.Registry: the registry this process read last
    held: Any = None  # memberships.Held: the history and open cases it read last
    compiles: TablesCache = field(default_factory=TablesCache)  # the registry's compiled tables

    @property
    def incremental_policy(self) -> Policy:
        return replace(self.policy, candidates_per_slot=DENSE, reprice_rounds=0)

    @property
    def incremental_q(self) -> Fraction | None:
        q = self.settings.incremental_q
        return Fraction(q) if q else None

    def policy_from(self, params: Mapping[str, Any]) -> Policy:
        """The policy a stored solve ran under (the key is this deployment's)."""
        return replace(self.policy, **{name: params[name] for name in RULES + TUNING})

    def history_window(self) -> int:
        """Rounds of history any rule reads (older memberships change nothing)."""
        p = self.policy
        return max(p.recent_rounds, p.recency_rounds - 1, p.balance_rounds - 1)


def context_from_settings(
    settings: PairingSettings, registry: CollectorRegistry, now: Callable[[], datetime] | None = None
) -> PairingContext:
    policy = Policy(
        served_years=settings.served_years,
        recent_rounds=settings.recent_rounds,
        recency_rounds=settings.recency_rounds,
        balance_rounds=settings.balance_rounds,
        escalated_same_county=settings.escalated_same_county,
        tiebreak_key=settings.tiebreak_key.encode("utf-8"),
    )
    histogram = Histogram(
        "pairing_solve_seconds", "Pairing engine solve time (派组求解耗时)", ["kind", "mode"],
        buckets=SOLVE_BUCKETS, registry=registry,
    )
    divisions = Divisions.load(settings.divisions_dir)
    if not divisions.towns_of_county:
        # Without the official codes no registry entry or roster can be checked: refuse to start.
        raise RuntimeError(f"no division codes found in {settings.divisions_dir}")
    ctx = PairingContext(settings, policy, divisions, histogram)
    if now is not None:
        ctx.now = now
    return ctx
