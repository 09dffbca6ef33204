"""Intake's consumer group: the ledger's problems, projected for progress queries and Open311."""

from __future__ import annotations

from services.intake.service_layer.projection import HANDLERS
from shared.events.topics import PROBLEMS
from shared.runtime import ConsumerSpec


def consumer_specs() -> list[ConsumerSpec]:
    return [ConsumerSpec(name="intake", topics=[PROBLEMS], handlers=HANDLERS)]
