"""Pairing policy (派组规则): team templates by category, conflict windows and cost weights.

Team template: every team has a lead (组长, county or township level: a village supervisor
does not lead a cross-town team) and one specialist or member slot chosen by category, e.g.
a finance expert (财务) for 三资 cases. A specialist slot REQUIRES the skill; the lead and a
plain member slot only PREFER the category's skill (a missing one costs `mismatch`).

Cost (all integers, one unit ~ one tenth of an hour of an officer's time):
  travel    same county 20, same city other county 60, other city 120. The distance proxy is
            the division code: officers are placed at their post (a county-level officer at the
            county seat), and sharing the 6-digit county prefix means a short trip.
  mismatch  40 when the lead or member lacks the category's preferred skill.
  recency   15 per assignment of the officer to the same county within `recency_rounds`
            (a soft version of the hard RECENT_SAME_TOWN rule, so teams keep rotating).
  load      convex: the j-th new case (j = 0, 1, ...) of an officer with workload w in the last
            `balance_rounds` costs `load * (w + j)`; marginal cost rises, so loads balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .model import Category, Level, Officer, Skill


class Role(StrEnum):
    """Team roles (组内角色)."""

    LEAD = "lead"  # 组长
    FINANCE = "finance"  # 财务 (三资)
    ENGINEERING = "engineering"  # 工程
    ECOLOGY = "ecology"  # 生态
    LAW = "law"  # 法律
    MEMBER = "member"  # 组员


ROLE_SKILL: Mapping[Role, Skill] = MappingProxyType(
    {
        Role.FINANCE: Skill.FINANCE,
        Role.ENGINEERING: Skill.ENGINEERING,
        Role.ECOLOGY: Skill.ECOLOGY,
        Role.LAW: Skill.LAW,
    }
)

DEFAULT_TEMPLATES: Mapping[Category, tuple[Role, ...]] = MappingProxyType(
    {
        Category.SANZI: (Role.LEAD, Role.FINANCE),
        Category.BIDDING: (Role.LEAD, Role.ENGINEERING),
        Category.CONDUCT: (Role.LEAD, Role.MEMBER),
        Category.BENEFITS: (Role.LEAD, Role.MEMBER),
        Category.ECOLOGY: (Role.LEAD, Role.ECOLOGY),
        Category.LIVELIHOOD: (Role.LEAD, Role.LAW),
        Category.OTHER: (Role.LEAD, Role.MEMBER),
    }
)

DEFAULT_PREFERRED_SKILL: Mapping[Category, Skill | None] = MappingProxyType(
    {
        Category.SANZI: Skill.FINANCE,
        Category.BIDDING: Skill.ENGINEERING,
        Category.CONDUCT: Skill.CONDUCT,
        Category.BENEFITS: Skill.FINANCE,
        Category.ECOLOGY: Skill.ECOLOGY,
        Category.LIVELIHOOD: Skill.LAW,
        Category.OTHER: None,
    }
)


@dataclass(frozen=True, slots=True)
class CostWeights:
    near: int = 20
    mid: int = 60
    far: int = 120
    mismatch: int = 40
    recency: int = 15
    load: int = 30


@dataclass(frozen=True, slots=True)
class Policy:
    """Rules of one commission. `served_years` N and `recent_rounds` M are the conflict
    windows; `escalated_same_county` says whether an escalated (提级) case stays with the
    county commission directly above the town (True) or may go to any county's commission.
    The fields from `candidates_per_slot` on only tune the optimiser's speed (see
    optimiser.py), never the real cost of its answer."""

    served_years: int = 3
    recent_rounds: int = 2
    recency_rounds: int = 6
    balance_rounds: int = 12
    escalated_same_county: bool = True
    templates: Mapping[Category, tuple[Role, ...]] = field(
        default_factory=lambda: DEFAULT_TEMPLATES
    )
    preferred_skill: Mapping[Category, Skill | None] = field(
        default_factory=lambda: DEFAULT_PREFERRED_SKILL
    )
    weights: CostWeights = field(default_factory=CostWeights)
    candidates_per_slot: int = 8
    spread_per_slot: int = 4
    reprice_rounds: int = 2
    reprice_per_slot: int = 24
    pricing_per_slot: int = 8
    pricing_margin: int = 0
    tiebreak_key: bytes = b"pairing-tiebreak-v1"

    def roles_for(self, category: Category) -> tuple[Role, ...]:
        return self.templates[category]


def qualifies(officer: Officer, role: Role) -> bool:
    """Can the officer fill the role at all (资格), conflicts aside?"""
    if role is Role.LEAD:
        return officer.level is not Level.VILLAGE
    skill = ROLE_SKILL.get(role)
    return skill is None or skill in officer.skills
