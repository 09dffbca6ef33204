"""Scorecard ratings (成绩单): citizens, organisations and departments rate the work."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import RaterKind
from .errors import Invalid


@dataclass(frozen=True, slots=True, kw_only=True)
class Rating:
    """One rating. `score` 1-5 is satisfaction (满意度); `resolved` is the separate answer to
    "was the problem actually solved" (是否解决), reported on its own as in 12345 practice.
    `round` is the rectification round rated (1 = first submission)."""

    rating_id: str
    rater_kind: RaterKind
    rater_id: str
    score: int
    resolved: bool
    round: int
    comment: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.score <= 5:
            raise Invalid("bad_score", f"score must be 1-5, got {self.score}")
        if not self.rating_id.strip() or not self.rater_id.strip():
            raise Invalid("bad_rating", "a rating needs an id and a rater")


@dataclass(frozen=True, kw_only=True)
class ScorecardPolicy:
    """Thresholds: a reporter score at or below `dissatisfied_at_or_below` sends the problem back;
    a score at or above `satisfied_at_or_above` counts as satisfied."""

    dissatisfied_at_or_below: int = 2
    satisfied_at_or_above: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.dissatisfied_at_or_below < self.satisfied_at_or_above <= 5:
            raise Invalid("bad_policy", "need 1 <= dissatisfied < satisfied <= 5")

    def is_dissatisfied(self, score: int) -> bool:
        return score <= self.dissatisfied_at_or_below

    def is_satisfied(self, score: int) -> bool:
        return score >= self.satisfied_at_or_above


@dataclass(frozen=True, slots=True, kw_only=True)
class Appeal:
    """A unit's appeal against a bad rating (申诉); an upheld appeal takes the rating out of the
    satisfaction figures but does not undo the rework it caused."""

    rating_id: str
    reason: str
    upheld: bool | None = None
