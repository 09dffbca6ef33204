"""Notify's consumer group: the events people and calling systems are told about."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.service_layer.plan import Planner
from shared.events.catalog import (
    ClassOfCaseOpened,
    ComplaintReceived,
    DeadlineApproaching,
    Payload,
    ProblemEscalated,
    ProblemOpened,
    ProblemStatusChanged,
    TeamAssigned,
)
from shared.events.envelope import Envelope
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


INPUT_TOPICS = [COMPLAINTS, PROBLEMS, ASSIGNMENTS, CLASS_CASES]


def consumer_specs(planner: Planner) -> list[ConsumerSpec]:
    routed = frozenset(event.TYPE for event in ROUTED)

    async def plan_fetch(session: AsyncSession, fetched: Sequence[tuple[Envelope, Payload]]) -> None:
        # A whole fetch is planned at once (a fixed number of statements for all its events);
        # the other event types on these topics are none of notify's business.
        await planner.on_events(session, [(env, p) for env, p in fetched if env.type in routed])

    return [
        ConsumerSpec(
            name="notify",
            topics=INPUT_TOPICS,
            # Named for the topic documentation (deploy/compose/introspect.py, AsyncAPI).
            handlers={event.TYPE: planner.on_event for event in ROUTED},
            batch=plan_fetch,
        )
    ]
