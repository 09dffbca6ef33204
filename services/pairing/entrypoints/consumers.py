"""Pairing's consumer group: opened problems get a team."""

from __future__ import annotations

from services.pairing.service_layer import assign
from shared.events.catalog import ProblemOpened
from shared.events.topics import PROBLEMS
from shared.runtime import ConsumerSpec


def consumer_specs() -> list[ConsumerSpec]:
    return [ConsumerSpec(name="pairing", topics=[PROBLEMS],
                         handlers={ProblemOpened.TYPE: assign.on_problem_opened})]
