"""Notify's consumer group: the events people and calling systems are told about."""

from __future__ import annotations

from services.notify.service_layer.plan import Planner
from shared.events.catalog import (
    ClassOfCaseOpened,
    ComplaintReceived,
    DeadlineApproaching,
    ProblemEscalated,
    ProblemOpened,
    ProblemStatusChanged,
    TeamAssigned,
)
from shared.events.topics import ASSIGNMENTS, CLASS_CASES, COMPLAINTS, PROBLEMS
from shared.runtime import ConsumerSpec

ROUTED = (
    ComplaintReceived,  # reporter's acceptance notice (受理告知), status webhook
    ProblemOpened,  # status webhook
    ProblemStatusChanged,  # status webhook; result notice (结果告知) on closure
    ProblemEscalated,  # county (督办)
    DeadlineApproaching,  # officers (临期/逾期)
    TeamAssigned,  # officers (交办)
    ClassOfCaseOpened,  # county (类案促改)
)


def consumer_specs(planner: Planner) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="notify",
            topics=[COMPLAINTS, PROBLEMS, ASSIGNMENTS, CLASS_CASES],
            handlers={event.TYPE: planner.on_event for event in ROUTED},
        )
    ]
