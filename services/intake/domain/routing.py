"""Routing flag 提级: who handles a complaint.

检举控告工作规则 (2020): a complaint about a discipline commission's own leader or staff goes to
the commission one level up. Everything else starts with the township commission 乡镇纪委 of the
place; the ledger and pairing read `handling_level` and `escalated` and must honour them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .vocabulary import Level

if TYPE_CHECKING:
    from .complaint import Subject

DEFAULT_HANDLING_LEVEL = Level.TOWN


@dataclass(frozen=True, slots=True)
class Routing:
    escalated: bool  # 提级办理
    handling_level: Level  # which commission's level handles it
    reason: str | None = None


def derive_routing(subject: Subject | None) -> Routing:
    if subject is None or not subject.is_commission_staff:
        return Routing(escalated=False, handling_level=DEFAULT_HANDLING_LEVEL)
    # Unknown level: assume the front-line township commission, the usual subject of such reports.
    own_level = subject.level or Level.TOWN
    return Routing(
        escalated=True,
        handling_level=own_level.above(),
        reason=f"反映{own_level.label}纪委监委自身{subject.role.label},提级由上一级办理",
    )
