"""One checker for every "nothing lost, nothing doubled" test (the Jepsen style).

Feed it the unique values that were acknowledged to the client and the values that took effect
(with repetitions, as observed); it reports what was lost, what was applied more than once, and
what took effect without ever being acknowledged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    acknowledged: int
    effects: int
    lost: frozenset[str]
    duplicated: dict[str, int]
    unseen: frozenset[str]

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicated and not self.unseen

    def __str__(self) -> str:
        return (
            f"acknowledged={self.acknowledged} effects={self.effects} lost={len(self.lost)} "
            f"duplicated={len(self.duplicated)} unseen={len(self.unseen)} "
            f"examples lost={sorted(self.lost)[:3]} dup={list(self.duplicated.items())[:3]} "
            f"unseen={sorted(self.unseen)[:3]}"
        )


def check(acknowledged: Iterable[str], effects: Iterable[str], attempted: Iterable[str] = ()) -> Verdict:
    """`attempted` values (sent but not acknowledged) may take effect once without counting as unseen."""
    acked = set(acknowledged)
    counts = Counter(effects)
    maybe = set(attempted)
    return Verdict(
        acknowledged=len(acked),
        effects=sum(counts.values()),
        lost=frozenset(acked - counts.keys()),
        duplicated={k: n for k, n in counts.items() if n > 1},
        unseen=frozenset(k for k in counts if k not in acked and k not in maybe),
    )
