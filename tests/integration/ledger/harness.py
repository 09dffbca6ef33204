"""Running the ledger in-process for tests, and building the input events it consumes.

`running_ledger` gives the ledger its own database (migrated with the service's alembic tree)
and its own topic namespace (every topic created, as `make up` does), starts the app under
asgi-lifespan (consumer, relay) and talks to it through httpx's ASGI transport. The clock
HTTP commands and the sweep read is the test's (`TestClock`); consumers take the time from the
events, as in production.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from deploy.local.stack import Infra
from services.ledger.bootstrap import MIGRATIONS, build_app
from services.ledger.domain.period import CHINA_TZ
from services.ledger.service_layer.context import LedgerContext
from services.ledger.settings import LedgerSettings
from shared.events.catalog import (
    PREFIX,
    ComplaintReceived,
    Payload,
    Place,
    ReporterRated,
    TeamAssigned,
    TeamMember,
    TeamUnstaffable,
    VisitLogged,
)
from shared.events.envelope import Envelope
from shared.events.topics import all_topic_names
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.outbox.writer import envelope_for
from tests.support.kitdb import drop_database
from tests.support.topics import consumed_all, delete_topics

ADMIN = {"Authorization": "Bearer demo-admin-token"}
OFFICER = {"Authorization": "Bearer demo-officer-token"}
HOTLINE = {"Authorization": "Bearer demo-hotline-token"}
INTAKE_SOURCE = "/supervision/intake"
PAIRING_SOURCE = "/supervision/pairing"


class TestClock:
    """The time HTTP commands and the sweep see; a test moves it."""

    __test__ = False

    def __init__(self, now: datetime) -> None:
        self.value = now

    def __call__(self) -> datetime:
        return self.value

    def set(self, y: int, m: int, d: int, hour: int = 10) -> datetime:
        self.value = at(y, m, d, hour)
        return self.value


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=CHINA_TZ)


@dataclass
class Ledger:
    app: FastAPI
    http: httpx.AsyncClient
    settings: LedgerSettings
    clock: TestClock
    database_url: str
    bootstrap: str
    namespace: str

    @property
    def ctx(self) -> LedgerContext:
        ctx: LedgerContext = self.app.state.ledger
        return ctx

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.app.state.runtime.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.app.state.runtime.engine.connect() as conn:
            return await conn.scalar(sa.text(sql), params)

    async def problem(self, problem_id: str) -> dict[str, Any]:
        r = await self.http.get(f"/problems/{problem_id}", headers=ADMIN)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def post(self, path: str, body: dict[str, Any] | None = None, expect: int = 200,
                   headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = await self.http.post(path, json=body or {}, headers=headers or ADMIN)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        out: dict[str, Any] = r.json()
        return out

    async def consumed_all(self) -> bool:
        """The ledger's consumer has applied every record now on its input topics."""
        from services.ledger.entrypoints.consumers import INPUT_TOPICS

        stored = {(r.topic, r.partition): r.next_offset for r in await self.rows(
            "SELECT topic, partition, next_offset FROM consumer_positions WHERE consumer = 'ledger'")}
        return await consumed_all(self.bootstrap, [t.name for t in INPUT_TOPICS], stored)

    async def outbox(self, type_suffix: str, subject: str | None = None) -> list[dict[str, Any]]:
        """Contract events staged for other services (what the relay publishes), oldest first."""
        import json

        rows = await self.rows(
            "SELECT aggregate_id, value FROM outbox WHERE event_type LIKE :t ORDER BY id",
            t=f"{PREFIX}.%{type_suffix}")
        return [json.loads(bytes(r.value)) for r in rows if subject in (None, r.aggregate_id)]


@asynccontextmanager
async def running_ledger(infra: Infra, namespace: str, clock: TestClock, **overrides: Any
                         ) -> AsyncIterator[Ledger]:
    database = f"ledger_{namespace.strip('.')}_{uuid.uuid4().hex[:4]}"
    url = infra.database_url(database)
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    await ensure_topics(infra.kafka_bootstrap)
    settings = LedgerSettings(
        environment="test", database_url=url, kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=namespace, run_sweep=False, consumer_retry_backoff_ms=20,
        db_pool_size=5, log_level="WARNING", **overrides,
    )
    app = build_app(settings, now=clock)
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ledger",
                                         timeout=30) as http:
                yield Ledger(app, http, settings, clock, url, infra.kafka_bootstrap, namespace)
    finally:
        await asyncio.to_thread(drop_database, url)
        await delete_topics(infra.kafka_bootstrap, all_topic_names())


async def eventually(probe: Callable[[], Awaitable[Any]], seconds: float = 30.0,
                     what: str = "condition") -> Any:
    deadline = asyncio.get_running_loop().time() + seconds
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise TimeoutError(f"timed out after {seconds}s waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------------------- input events
# Real divisions (data/divisions): 漳浦县 350623 with 旧镇镇 350623101 (狮头村 226, 旧城村 201,
# 城外村 202, 后埭村 203) and 佛昙镇 350623102 (园东村 201, 石门村 204); 杜浔镇 350623104 林前村 210;
# 长泰区坂里乡 350605200 (正达村 206, 丹岩村 205); 诏安县梅岭镇 350624102 田厝村 209.
PLACES = {
    "350623101226": ("狮头村委会", "旧镇镇", "漳浦县"),
    "350623101201": ("旧城村委会", "旧镇镇", "漳浦县"),
    "350623101202": ("城外村委会", "旧镇镇", "漳浦县"),
    "350623101203": ("后埭村委会", "旧镇镇", "漳浦县"),
    "350623102201": ("园东村委会", "佛昙镇", "漳浦县"),
    "350623102204": ("石门村委会", "佛昙镇", "漳浦县"),
    "350623104210": ("林前村委会", "杜浔镇", "漳浦县"),
    "350605200206": ("正达村委会", "坂里乡", "长泰区"),
    "350605200205": ("丹岩村委会", "坂里乡", "长泰区"),
    "350624102209": ("田厝村委会", "梅岭镇", "诏安县"),
}


def place(village: str) -> Place:
    v, t, c = PLACES[village]
    return Place(village_code=village, village_name=v, town_code=village[:9], town_name=t,
                 county_code=village[:6], county_name=c)


def complaint(key: str, village: str = "350623101226", *, when: datetime, category: str = "sanzi",
              channel: str = "hotline_12345", mode: str = "anonymous",
              description: str = "村集体鱼塘承包合同到期后仍被原承包户占用，租金未收回。",
              complaint_id: str | None = None, escalate_up: bool = False,
              amount: Decimal | None = None) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=complaint_id or f"c-{uuid.uuid4().hex[:12]}", problem_key=key,
        channel=channel, place=place(village), category=category, description=description,
        received_at=when, reporter_ref=f"rr-{uuid.uuid4().hex[:10]}", reporter_mode=mode,
        escalate_up=escalate_up, amount_yuan=amount,
    )


def team(problem_id: str, when: datetime, officer: str = "officer-fotan-01",
         town: str = "350623102") -> TeamAssigned:
    return TeamAssigned(
        assignment_id=f"as-{uuid.uuid4().hex[:10]}", problem_id=problem_id,
        members=[TeamMember(officer_id=officer, role="lead", town_code=town,
                            county_code=town[:6], unit="佛昙镇纪委")],
        mode="skeleton", eligible_pool=3, at=when,
    )


def unstaffable(problem_id: str, when: datetime) -> TeamUnstaffable:
    return TeamUnstaffable(problem_id=problem_id, reason="no_eligible_officer",
                           certificate={"slots_needed": 1, "eligible_officers": 0}, at=when)


def rating(c: ComplaintReceived, score: int, resolved: bool, when: datetime) -> ReporterRated:
    return ReporterRated(rating_id=f"r-{uuid.uuid4().hex[:10]}", complaint_id=c.complaint_id,
                         problem_key=c.problem_key, score=score, resolved=resolved,
                         rated_at=when)


def visit(village: str, on: date, households: int) -> VisitLogged:
    return VisitLogged(visit_id=f"v-{uuid.uuid4().hex[:10]}", officer_id="officer-jiuzhen-02",
                       place=place(village), visited_on=on, households_visited=households,
                       problems_found=0)


def envelope(payload: Payload) -> Envelope:
    source = PAIRING_SOURCE if isinstance(payload, TeamAssigned | TeamUnstaffable) else INTAKE_SOURCE
    return envelope_for(payload, source)


async def send(producer: AIOKafkaProducer, *payloads: Payload) -> list[Envelope]:
    sent = []
    for payload in payloads:
        env = envelope(payload)
        await producer.send_and_wait(payload.TOPIC.name, env.value(), key=env.key,
                                     headers=env.headers())
        sent.append(env)
    return sent
