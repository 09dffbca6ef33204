"""Closing against evidence (对账销号): evidence metadata, verified recoveries, reviewers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import EvidenceKind
from .errors import Invalid
from .places import check_code

_HEX = frozenset("0123456789abcdef")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Metadata of one piece of evidence (佐证材料); the file itself lives in storage."""

    evidence_id: str
    kind: EvidenceKind
    sha256: str
    description: str

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or not set(self.sha256) <= _HEX:
            raise Invalid("bad_evidence_hash", "sha256 must be 64 lowercase hex digits")
        if not self.evidence_id.strip() or not self.description.strip():
            raise Invalid("bad_evidence", "evidence needs an id and a description")


def _check_amount(value: Decimal, what: str) -> None:
    if not value.is_finite() or value < 0:
        raise Invalid("bad_amount", f"{what} must be a finite amount >= 0, got {value}")
    if value != value.quantize(_CENT):
        raise Invalid("bad_amount", f"{what} has more than 2 decimal places: {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Recovery:
    """What was recovered (挽回损失): yuan (元), land (亩), contracts rectified (整改合同, 件)."""

    yuan: Decimal = Decimal("0")
    mu: Decimal = Decimal("0")
    contracts: int = 0

    def __post_init__(self) -> None:
        _check_amount(self.yuan, "yuan")
        _check_amount(self.mu, "mu")
        if self.contracts < 0:
            raise Invalid("bad_amount", "contracts rectified must be >= 0")

    def __add__(self, other: Recovery) -> Recovery:
        return Recovery(
            yuan=self.yuan + other.yuan,
            mu=self.mu + other.mu,
            contracts=self.contracts + other.contracts,
        )

    def is_zero(self) -> bool:
        return self.yuan == 0 and self.mu == 0 and self.contracts == 0


ZERO_RECOVERY = Recovery()


@dataclass(frozen=True, slots=True, kw_only=True)
class Reviewer:
    """Who reviews (检视人). `town_code` is the town they belong to; None for county or city
    staff, who are never from the problem's own town."""

    person_id: str
    town_code: str | None = None

    def __post_init__(self) -> None:
        if self.town_code is not None:
            check_code(self.town_code, 9, "reviewer town")
