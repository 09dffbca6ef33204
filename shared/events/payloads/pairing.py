"""Events published by the pairing service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.payloads.base import PREFIX, Payload
from shared.events.topics import ASSIGNMENTS, Topic


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    officer_id: str
    role: str
    town_code: str | None = None
    county_code: str | None = None
    unit: str | None = None
    # The member's chance of being drawn for this team, a reduced fraction "n/d" ("1/1" in exact
    # mode; at most q in randomised mode). Optional: added after v1 was first published.
    probability: str | None = Field(default=None, pattern=r"^[0-9]+/[0-9]+$")


class TeamAssigned(Payload):
    """交办到组: a conflict-free team from another town was assigned to a problem."""

    TYPE: ClassVar[str] = f"{PREFIX}.pairing.team.assigned.v1"
    TOPIC: ClassVar[Topic] = ASSIGNMENTS

    assignment_id: str
    problem_id: str
    members: list[TeamMember]
    mode: str
    seed: str | None = None
    eligible_pool: int
    exclusions: dict[str, int] = Field(default_factory=dict)
    replaces_assignment_id: str | None = None
    at: datetime
    # Randomised mode: the cap on any officer's chance ("n/d"). Optional, added after v1.
    q: str | None = Field(default=None, pattern=r"^[0-9]+/[0-9]+$")

    def subject(self) -> str:
        return self.problem_id


class TeamUnstaffable(Payload):
    """无法回避: no conflict-free team exists; a checkable certificate goes up with the escalation."""

    TYPE: ClassVar[str] = f"{PREFIX}.pairing.team.unstaffable.v1"
    TOPIC: ClassVar[Topic] = ASSIGNMENTS

    problem_id: str
    reason: str
    certificate: dict[str, Any]
    at: datetime

    def subject(self) -> str:
        return self.problem_id


PAYLOADS: tuple[type[Payload], ...] = (
    TeamAssigned,
    TeamUnstaffable,
)
