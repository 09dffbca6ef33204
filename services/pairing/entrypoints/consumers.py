"""Pairing's consumer group on the problem ledger: opened problems get a team (or an
escalation); closed and reopened ones release or take back their team's capacity."""

from __future__ import annotations

from services.pairing.service_layer.assign import ProblemOpenedHandler
from services.pairing.service_layer.context import PairingContext
from services.pairing.service_layer.lifecycle import on_status_changed
from shared.events.catalog import ProblemOpened, ProblemStatusChanged
from shared.events.topics import PROBLEMS
from shared.runtime import ConsumerSpec


def consumer_specs(ctx: PairingContext) -> list[ConsumerSpec]:
    return [ConsumerSpec(name="pairing", topics=[PROBLEMS], handlers={
        ProblemOpened.TYPE: ProblemOpenedHandler(ctx),
        ProblemStatusChanged.TYPE: on_status_changed,
    })]
