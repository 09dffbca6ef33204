"""The ledger's side of the PROBLEMS topic, published for real so intake's consumer projects it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.events.catalog import (
    Payload,
    Place,
    ProblemOpened,
    ProblemReportAttached,
    ProblemStatusChanged,
)
from shared.kafka import make_producer
from shared.outbox.writer import envelope_for

LEDGER = "/supervision/ledger"
PLACE = Place(
    village_code="350623104210",
    village_name="林前村委会",
    town_code="350623104",
    town_name="杜浔镇",
    county_code="350623",
    county_name="漳浦县",
)
OFFICER = "T350602001-1"  # an officer id from another town: masked wherever a note is shown


async def publish(bootstrap: str, *payloads: Payload) -> None:
    producer = make_producer(bootstrap, "test-ledger")
    await producer.start()
    try:
        for payload in payloads:
            env = envelope_for(payload, LEDGER)
            await producer.send_and_wait(payload.TOPIC.name, env.value(), key=env.key, headers=env.headers())
    finally:
        await producer.stop()


class Problem:
    """Builds one problem's events in order, as the ledger would publish them."""

    def __init__(self, problem_key: str, complaint_id: str, start: datetime, category: str = "sanzi") -> None:
        self.key = problem_key
        self.id = str(uuid.uuid4())
        self.category = category
        self.complaint_ids = [complaint_id]
        self.at = start
        self.status: str | None = None

    def _tick(self) -> datetime:
        self.at += timedelta(minutes=5)
        return self.at

    def opened(self) -> ProblemOpened:
        self.status = "registered"
        return ProblemOpened(
            problem_id=self.id,
            problem_key=self.key,
            place=PLACE,
            category=self.category,
            priority=1,
            report_count=1,
            opened_at=self._tick(),
            complaint_ids=list(self.complaint_ids),
        )

    def attached(self, complaint_id: str) -> ProblemReportAttached:
        self.complaint_ids.append(complaint_id)
        return ProblemReportAttached(
            problem_id=self.id,
            complaint_id=complaint_id,
            report_count=len(self.complaint_ids),
            priority=2,
            at=self._tick(),
        )

    def change(
        self, action: str, to_status: str, actor: str = OFFICER, reason: str | None = None, **details: Any
    ) -> ProblemStatusChanged:
        event = ProblemStatusChanged(
            problem_id=self.id,
            problem_key=self.key,
            from_status=self.status,
            to_status=to_status,
            action=action,
            actor=actor,
            reason=reason,
            at=self._tick(),
            place=PLACE,
            category=self.category,
            complaint_ids=list(self.complaint_ids),
            details=details,
        )
        self.status = to_status
        return event
