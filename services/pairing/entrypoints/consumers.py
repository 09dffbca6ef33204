"""Pairing's consumer group on the problem ledger: opened problems get a team (or an
escalation), those of one fetch staffed together; closed and reopened ones release or take back
their team's capacity, in order with them (service_layer/problem_events.py)."""

from __future__ import annotations

from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.lifecycle import on_status_changed
from services.pairing.service_layer.problem_events import ProblemEvents
from shared.events.catalog import ProblemOpened, ProblemStatusChanged
from shared.events.topics import PROBLEMS
from shared.runtime import ConsumerSpec

NAME = "pairing"


def consumer_specs(ctx: PairingContext) -> list[ConsumerSpec]:
    events = ProblemEvents(ctx, NAME, {ProblemStatusChanged.TYPE: on_status_changed})
    # `handlers` names the event types (topic documentation) and serves one event at a time;
    # the consumer hands every fetch to `batch`.
    return [ConsumerSpec(name=NAME, topics=[PROBLEMS], batch=events, handlers={
        ProblemOpened.TYPE: events.opened,
        ProblemStatusChanged.TYPE: on_status_changed,
    })]
