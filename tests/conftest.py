"""Test infrastructure: a real Kafka broker and a real PostgreSQL server for the whole session.

By default both are started here (their own ports and data folders under .local/, so a running
`make up` is left alone). `KAFKA_BOOTSTRAP_SERVERS` / `POSTGRES_URL` point the suite at existing
servers instead. Every test that needs isolation takes a fresh namespace: its own topic prefix,
consumer groups and databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.kafka import KafkaNode
from deploy.local.postgres import PostgresNode
from deploy.local.stack import Infra

ROOT = Path(__file__).resolve().parents[1]


USERS = ROOT / ".local" / "test-infra-users"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    # Several pytest sessions on one machine share the test servers; the last one out stops them.
    USERS.mkdir(parents=True, exist_ok=True)
    me = USERS / str(os.getpid())
    me.touch()
    kafka = KafkaNode(home=ROOT / ".local" / "test-kafka", port=29092, controller_port=29093)
    postgres = PostgresNode(home=ROOT / ".local" / "test-postgres", port=55433)
    started = Infra.start(kafka=kafka, postgres=postgres)
    yield started
    me.unlink(missing_ok=True)
    others = [p for p in USERS.iterdir() if p.name.isdigit() and _alive(int(p.name))]
    if not others and not os.environ.get("KEEP_TEST_INFRA"):
        started.stop()


@pytest.fixture
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:8]}."
