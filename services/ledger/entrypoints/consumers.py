"""The ledger's consumer group: complaints, ratings and visit logs from intake, teams from
pairing. Never the journal topic: only a rebuild reads that (its records are not in the shared
catalog and a consumer would park them as unknown)."""

from __future__ import annotations

from services.ledger.service_layer.intake_events import IntakeInputs
from shared.events.topics import ASSIGNMENTS, COMPLAINTS, RATINGS, VISITS
from shared.runtime import ConsumerSpec

INPUT_TOPICS = [COMPLAINTS, ASSIGNMENTS, RATINGS, VISITS]


def consumer_specs(inputs: IntakeInputs) -> list[ConsumerSpec]:
    return [ConsumerSpec(name="ledger", topics=INPUT_TOPICS, handlers=inputs.handlers())]
