"""Running pairing in-process for tests, and the ledger events it consumes.

`running_pairing` gives the service its own database (migrated with its alembic tree) and its
own topic namespace (every topic created, as `make up` does), starts the app under asgi-lifespan
(consumer, relay) and talks to it through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from deploy.local.stack import Infra
from services.pairing.bootstrap import MIGRATIONS, build_app
from services.pairing.settings import PairingSettings
from shared.events.catalog import Payload, Place, ProblemOpened, ProblemStatusChanged
from shared.events.envelope import Envelope
from shared.events.topics import ASSIGNMENTS, all_topic_names, set_namespace
from shared.kafka import ensure_topics, make_producer
from shared.migrations import upgrade
from shared.outbox.writer import envelope_for
from tests.support.kitdb import drop_database
from tests.support.topics import delete_topics, read_all

ADMIN = {"Authorization": "Bearer demo-admin-token"}
OFFICER = {"Authorization": "Bearer demo-officer-token"}
LEDGER_SOURCE = "/supervision/ledger"
CHINA = ZoneInfo("Asia/Shanghai")

# Real divisions (data/divisions): 漳浦县 350623 with 绥安镇 100, 旧镇镇 101 (狮头村 226, 旧城村 201),
# 佛昙镇 102 (园东村 201), 杜浔镇 104 (林前村 210); 云霄县 350622 云陵镇 100; 诏安县 350624.
NAMES = {
    "350623": "漳浦县", "350622": "云霄县", "350624": "诏安县",
    "350623100": "绥安镇", "350623101": "旧镇镇", "350623102": "佛昙镇", "350623104": "杜浔镇",
    "350622100": "云陵镇", "350624100": "南诏镇",
    "350623101226": "狮头村委会", "350623101201": "旧城村委会", "350623102201": "园东村委会",
    "350623104210": "林前村委会",
}


@dataclass
class Pairing:
    app: FastAPI
    http: httpx.AsyncClient
    settings: PairingSettings
    producer: AIOKafkaProducer

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.app.state.runtime.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.app.state.runtime.engine.connect() as conn:
            return await conn.scalar(sa.text(sql), params)

    async def call(self, method: str, path: str, expect: int = 200, headers: dict[str, str] | None = None,
                   **kw: Any) -> Any:
        r = await self.http.request(method, path, headers=ADMIN if headers is None else headers, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text

    async def send(self, *payloads: Payload) -> list[Envelope]:
        sent = []
        for payload in payloads:
            env = envelope_for(payload, LEDGER_SOURCE)
            await self.producer.send_and_wait(payload.TOPIC.name, env.value(), key=env.key,
                                              headers=env.headers())
            sent.append(env)
        return sent

    async def events(self, type_suffix: str) -> list[dict[str, Any]]:
        """Pairing's events on the assignments topic (what the relay published), as payloads."""
        records = await read_all(self.settings.kafka_bootstrap_servers, ASSIGNMENTS.name)
        out = []
        for r in records:
            headers = {k: bytes(v).decode() for k, v in r.headers or ()}
            if headers.get("ce_type", "").endswith(type_suffix):
                out.append(json.loads(r.value))
        return out

    async def staffed(self, problem_id: str, seconds: float = 30.0) -> dict[str, Any]:
        """The problem's assignments once pairing has decided (a team or an escalation)."""
        async def decided() -> dict[str, Any] | None:
            r = await self.http.get(f"/assignments/{problem_id}", headers=ADMIN)
            body: dict[str, Any] = r.json()
            return body if r.status_code == 200 and (body["items"] or body["escalations"]) else None

        found: dict[str, Any] = await eventually(decided, seconds, f"a decision on {problem_id}")
        return found


@asynccontextmanager
async def running_pairing(infra: Infra, namespace: str, **overrides: Any) -> AsyncIterator[Pairing]:
    url = infra.database_url(f"pairing_{namespace.strip('.')}_{uuid.uuid4().hex[:4]}")
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    set_namespace(namespace)  # topics are created (and later deleted) under the test's namespace
    await ensure_topics(infra.kafka_bootstrap)
    settings = PairingSettings(
        environment="test", database_url=url, kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=namespace, instance_id=namespace.strip("."), consumer_retry_backoff_ms=20,
        db_pool_size=5, log_level="WARNING", **overrides,
    )
    app = build_app(settings)
    producer = make_producer(infra.kafka_bootstrap, f"pairing-test-{namespace}")
    await producer.start()
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://pairing", timeout=60) as http:
                yield Pairing(app, http, settings, producer)
    finally:
        await producer.stop()
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


def place(code: str) -> Place:
    village = code if len(code) == 12 else None
    return Place(village_code=village, village_name=NAMES.get(code) if village else None,
                 town_code=code[:9], town_name=NAMES.get(code[:9], code[:9]), county_code=code[:6],
                 county_name=NAMES.get(code[:6], code[:6]))


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=CHINA)


def opened(code: str, category: str = "sanzi", *, when: datetime, escalate_up: bool = False,
           subject: str | None = None, problem_id: str | None = None) -> ProblemOpened:
    pid = problem_id or f"p-{uuid.uuid4().hex[:12]}"
    return ProblemOpened(
        problem_id=pid, problem_key=f"key-{pid}", place=place(code), category=category,
        subject_name=subject, escalate_up=escalate_up, priority=1, report_count=1, opened_at=when,
        complaint_ids=[f"c-{pid}"],
    )


def status_changed(problem: ProblemOpened, from_status: str, to_status: str, when: datetime
                   ) -> ProblemStatusChanged:
    return ProblemStatusChanged(
        problem_id=problem.problem_id, problem_key=problem.problem_key, from_status=from_status,
        to_status=to_status, action="close" if to_status == "closed" else "reopen", actor="ledger",
        at=when, place=problem.place, category=problem.category, complaint_ids=problem.complaint_ids,
    )


def officer(oid: str, kind: str, unit: str, county: str, town: str | None = None,
            **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": oid, "name": f"干部{oid}", "kind": kind, "unit": unit,
                            "county_code": county, "town_code": town, "skills": [], "capacity": 4}
    body.update(kw)
    return body
