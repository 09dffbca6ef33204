"""The ledger's consumer group: complaints from intake, team assignments from pairing."""

from __future__ import annotations

from services.ledger.service_layer import intake_events
from shared.events.catalog import ComplaintReceived, TeamAssigned
from shared.events.topics import ASSIGNMENTS, COMPLAINTS
from shared.runtime import ConsumerSpec


def consumer_specs() -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="ledger",
            topics=[COMPLAINTS, ASSIGNMENTS],
            handlers={
                ComplaintReceived.TYPE: intake_events.on_complaint_received,
                TeamAssigned.TYPE: intake_events.on_team_assigned,
            },
        )
    ]
