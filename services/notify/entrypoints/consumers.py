"""Notify's consumer group: status changes and assignments become notifications."""

from __future__ import annotations

from services.notify.service_layer.plan import Planner
from shared.events.catalog import ProblemStatusChanged, TeamAssigned
from shared.events.topics import ASSIGNMENTS, PROBLEMS
from shared.runtime import ConsumerSpec


def consumer_specs(planner: Planner) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="notify",
            topics=[PROBLEMS, ASSIGNMENTS],
            handlers={
                TeamAssigned.TYPE: planner.on_status_event,
                ProblemStatusChanged.TYPE: planner.on_status_event,
            },
        )
    ]
