"""Driving notify from the outside: publish catalog events to Kafka, read its API, database and topic."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import psycopg
from aiokafka import AIOKafkaProducer

from shared.events.catalog import Payload, Place
from shared.events.envelope import Envelope
from shared.events.topics import NOTIFICATIONS
from shared.outbox.writer import envelope_for
from tests.integration.notify.far import Far
from tests.support.topics import consumed_all, read_all

ADMIN = {"Authorization": "Bearer demo-admin-token"}
HOTLINE = {"Authorization": "Bearer demo-hotline-token"}
INTAKE = {"Authorization": "Bearer demo-intake-token"}
DEFAULT_SECRET = "whsec_default_hook_secret_for_tests_0001"
FINAL = ("delivered", "failed")
T = TypeVar("T")

# 长泰区坂里乡正达村 and 漳浦县旧镇镇狮头村 (统计用区划代码, data/divisions).
ZHENGDA = Place(village_code="350605200206", village_name="正达村委会", town_code="350605200",
                town_name="坂里乡", county_code="350605", county_name="长泰区")
SHITOU = Place(village_code="350623101226", village_name="狮头村委会", town_code="350623101",
               town_name="旧镇镇", county_code="350623", county_name="漳浦县")


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4()}"


def now() -> datetime:
    return datetime.now(UTC)


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 20.0) -> T:
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class Notify:
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    bootstrap: str
    namespace: str
    database_url: str
    far: Far

    async def publish(self, payload: Payload, source: str = "/supervision/ledger",
                      event_id: str | None = None) -> Envelope:
        env = envelope_for(payload, source, event_id)
        await self.producer.send_and_wait(
            payload.TOPIC.name, value=env.value(), key=env.key, headers=env.headers()
        )
        return env

    async def notifications(self, cause_event_id: str) -> list[dict[str, Any]]:
        r = await self.http.get("/notifications", params={"cause_event_id": cause_event_id}, headers=ADMIN)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def settled(self, env: Envelope, count: int, within: float = 20.0) -> list[dict[str, Any]]:
        """The `count` notifications `env` caused, once every one is delivered or failed."""

        async def probe() -> list[dict[str, Any]] | None:
            items = await self.notifications(env.id)
            done = len(items) == count and all(n["status"] in FINAL for n in items)
            return items if done else None

        try:
            return await eventually(probe, f"{count} settled notifications of {env.type}", within)
        except AssertionError as exc:
            seen = [(n["channel"], n["recipient_kind"], n["status"], n["last_reason"])
                    for n in await self.notifications(env.id)]
            raise AssertionError(f"{exc}; found {seen}") from None

    async def outcome_events(self, keys: set[str]) -> list[dict[str, Any]]:
        """NotificationDelivered / NotificationFailed published for these keys, as (type, data)."""
        records = await read_all(self.bootstrap, f"{self.namespace}{NOTIFICATIONS.base}")
        out = []
        for record in records:
            data = json.loads(record.value)
            if data["notification_id"] in keys:
                headers = {k: bytes(v).decode() for k, v in record.headers}
                out.append({"type": headers["ce_type"], **data})
        return out

    async def consumed_all(self) -> bool:
        """Notify's consumer has applied every record now on its input topics."""
        from services.notify.entrypoints.consumers import INPUT_TOPICS

        stored = {(t, p): o for t, p, o in self.query(
            "SELECT topic, partition, next_offset FROM consumer_positions WHERE consumer = 'notify'")}
        return await consumed_all(self.bootstrap, [t.name for t in INPUT_TOPICS], stored)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        conninfo = self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


def complaint_received(
    complaint_id: str | None = None, *, reporter_ref: str | None = None, mode: str = "anonymous",
    place: Place = ZHENGDA, category: str = "livelihood",
) -> Any:
    from shared.events.catalog import ComplaintReceived

    return ComplaintReceived(
        complaint_id=complaint_id or uid(), problem_key=uid("pk-"), channel="hotline_12345",
        place=place, category=category, subject_name="某村干部", description="上游截水，正达村用水困难",
        received_at=now(), reporter_ref=reporter_ref or uid("rep_"), reporter_mode=mode,
    )


def status_changed(
    complaint_ids: list[str], *, to_status: str = "assigned", from_status: str | None = "registered",
    action: str = "assign", place: Place = ZHENGDA, category: str = "livelihood",
    details: dict[str, Any] | None = None, reason: str | None = None, problem_id: str | None = None,
) -> Any:
    from shared.events.catalog import ProblemStatusChanged

    return ProblemStatusChanged(
        problem_id=problem_id or uid("P-"), problem_key=uid("pk-"), from_status=from_status,
        to_status=to_status, action=action, actor="officer:o-actor-7", reason=reason, at=now(),
        place=place, category=category, complaint_ids=complaint_ids, details=details or {},
    )


class Subscriber:
    """A calling system registering subscriptions through the API; deletes them afterwards."""

    def __init__(self, notify: Notify, headers: dict[str, str] = HOTLINE) -> None:
        self.notify = notify
        self.headers = headers
        self.ids: list[str] = []

    async def register(self, hook: str, **filter_fields: Any) -> dict[str, Any]:
        r = await self.notify.http.post("/subscriptions", headers=self.headers, json={
            "endpoint": self.notify.far.hook_url(hook), "filter": filter_fields})
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
        self.notify.far.receiver.secrets[hook] = [created["secret"]]
        self.ids.append(created["id"])
        return created

    async def delete_all(self) -> None:
        for sub_id in self.ids:
            await self.notify.http.delete(f"/subscriptions/{sub_id}", headers=self.headers)
