"""Kill the notify process after a provider accepted and before the status was written: after
a restart there is still exactly one effect per key at the provider.

The process is the real service (`python -m services.notify serve`), armed with the failpoint
`sender.after_provider_accept`, so it SIGKILLs itself at exactly that moment. The webhook
receiver counts requests and distinct Idempotency-Keys and answers 409 to a key it already
took; the SMS gateway deduplicates on `client_ref`. The restarted sender takes the abandoned
attempt over when its lease ends and records the provider's "duplicate" as delivered.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from deploy.local.stack import ROOT, Infra, ServiceProcess, free_port
from services.notify.bootstrap import MIGRATIONS
from shared.events.catalog import TeamAssigned, TeamMember
from shared.events.topics import NOTIFICATIONS, all_topic_names, namespaced, set_namespace
from shared.kafka import ensure_topics, make_producer
from shared.migrations import upgrade
from shared.outbox.writer import envelope_for
from tests.integration.notify.far import Far
from tests.integration.notify.helpers import ADMIN, DEFAULT_SECRET, now, status_changed, uid
from tests.support.kitdb import drop_database
from tests.support.topics import delete_topics, read_all

pytestmark = pytest.mark.infra
FAILPOINT = "sender.after_provider_accept"


@pytest.fixture
def process(infra: Infra, far: Far, tmp_path: Path) -> Iterator[tuple[ServiceProcess, str, str, str]]:
    namespace = f"c{uuid.uuid4().hex[:8]}."
    database_url = infra.database_url(f"notify_{namespace.strip('.')}")
    hook = f"crash-{namespace.strip('.')}"
    far.receiver.secrets[hook] = [DEFAULT_SECRET]
    upgrade(MIGRATIONS, database_url)
    previous = namespaced("")
    set_namespace(namespace)
    asyncio.run(ensure_topics(infra.kafka_bootstrap))
    env = {
        "ENVIRONMENT": "test", "SERVICE_NAME": "notify", "INSTANCE_ID": namespace.strip("."),
        "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": namespace, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO",
        "DEFAULT_WEBHOOK_URL": far.hook_url(hook), "DEFAULT_WEBHOOK_SECRET": DEFAULT_SECRET,
        "DEFAULT_QUIET_HOURS": "off", "FILE_SINK_DIR": str(tmp_path / "sink"),
        "SMS_PROVIDER": "gateway", "SMS_GATEWAY_URL": far.url, "SMS_GATEWAY_KEY": far.gateway.API_KEY,
        # A short lease so the restarted sender takes the abandoned attempt over quickly.
        "SENDER_LEASE_SECONDS": "2", "SENDER_POLL_SECONDS": "0.2",
    }
    port = free_port()
    svc = ServiceProcess("notify", port, {**env, "HTTP_PORT": str(port)}, tmp_path / "notify.log")
    try:
        yield svc, hook, namespace, database_url
    finally:
        svc.kill(signal.SIGTERM)
        asyncio.run(delete_topics(infra.kafka_bootstrap, all_topic_names()))
        set_namespace(previous)
        drop_database(database_url)


async def publish(bootstrap: str, payload: Any, source: str) -> str:
    producer = make_producer(bootstrap, "crash-test")
    await producer.start()
    try:
        env = envelope_for(payload, source)
        await producer.send_and_wait(payload.TOPIC.name, value=env.value(), key=env.key,
                                     headers=env.headers())
        return env.id
    finally:
        await producer.stop()


def notifications(svc: ServiceProcess, cause_event_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{svc.url}/notifications", params={"cause_event_id": cause_event_id}, headers=ADMIN,
                  timeout=5)
    r.raise_for_status()
    items: list[dict[str, Any]] = r.json()["items"]
    return items


@dataclass
class Provider:
    """What one channel's far side saw: every request for a key, and its effects."""

    requests: Callable[[str], list[dict[str, Any]]]
    effects: Callable[[str], int]


def webhook_side(far: Far, hook: str) -> Provider:
    def requests(key: str) -> list[dict[str, Any]]:
        received = far.receiver.for_hook(hook)
        return [json.loads(r.body) for r in received if r.headers["idempotency-key"] == key]

    return Provider(requests, lambda key: far.receiver.effects[key])


def sms_side(far: Far) -> Provider:
    def requests(key: str) -> list[dict[str, Any]]:
        sent = [json.loads(r.body) for r in far.gateway.requests]
        return [s for s in sent if s.get("client_ref") == key]

    return Provider(requests, lambda key: far.gateway.effects[key])


@pytest.mark.parametrize("channel", ["webhook", "sms"])
def test_killed_after_the_provider_accepted_still_sends_once(
    channel: str, process: tuple[ServiceProcess, str, str, str], far: Far, infra: Infra
) -> None:
    svc, hook, namespace, database_url = process
    svc.start({"FAILPOINTS": f"{FAILPOINT}=1"})
    svc.wait_ready()
    if channel == "webhook":
        side = webhook_side(far, hook)
        event_id = asyncio.run(publish(infra.kafka_bootstrap, status_changed([uid()]), "/supervision/ledger"))
    else:
        side = sms_side(far)
        officer = uid("T350623101-")
        r = httpx.put(f"{svc.url}/officers/{officer}/contact", json={"phone": "13800138009"}, headers=ADMIN)
        assert r.status_code == 200, r.text
        lead = TeamMember(officer_id=officer, role="lead")
        assignment = TeamAssigned(assignment_id=uid("A-"), problem_id=uid("P-"), mode="cross_town",
                                  eligible_pool=3, at=now(), members=[lead])
        event_id = asyncio.run(publish(infra.kafka_bootstrap, assignment, "/supervision/pairing"))

    assert svc.wait_exit(60) == -signal.SIGKILL, f"see {svc.log_path}"
    assert f"failpoint {FAILPOINT} hit" in svc.log_path.read_text(encoding="utf-8")
    key, status, attempts = stored(database_url, event_id)
    assert (status, attempts) == ("sending", 1)  # what the dead process left
    assert len(side.requests(key)) == 1 and side.effects(key) == 1  # ...though the provider has it

    svc.start()  # no failpoint this time
    svc.wait_ready()
    deadline = time.monotonic() + 30
    while (found := notifications(svc, event_id)) and found[0]["status"] != "delivered":
        assert time.monotonic() < deadline, f"not delivered after the restart: {found}"
        time.sleep(0.2)
    (n,) = found
    assert (n["key"], n["status"], n["attempts"]) == (key, "delivered", 2)

    # Two requests under the one key (the original and the taken-over attempt), one effect.
    assert len(side.requests(key)) == 2
    assert side.effects(key) == 1
    if channel == "webhook":
        assert [r["deliveryattempt"] for r in side.requests(key)] == [1, 2]

    records = asyncio.run(read_all(infra.kafka_bootstrap, f"{namespace}{NOTIFICATIONS.base}"))
    outcomes = [json.loads(r.value) for r in records]
    assert [(o["notification_id"], o["attempts"]) for o in outcomes] == [(key, 2)]


def stored(database_url: str, event_id: str) -> tuple[str, str, int]:
    """The notification the event caused, read from the database (the process is dead)."""
    conninfo = database_url.replace("postgresql+asyncpg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT key, status, attempts FROM notifications WHERE cause_id = %s",
                           (event_id,)).fetchone()
    assert row is not None, "the event was routed before the process died"
    return row[0], row[1], row[2]
