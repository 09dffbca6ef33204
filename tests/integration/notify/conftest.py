"""One notify service in process (its real lifespan: consumer, relay, sender) on the session's
Kafka and PostgreSQL, a fresh database and topic namespace, talking to real local servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager

from deploy.local.stack import Infra
from services.notify.bootstrap import MIGRATIONS, build_app
from services.notify.settings import NotifySettings
from shared.events.topics import all_topic_names, namespaced, set_namespace
from shared.kafka import ensure_topics, make_producer
from shared.migrations import upgrade
from tests.integration.notify.far import Far, far_side
from tests.integration.notify.helpers import DEFAULT_SECRET, Notify
from tests.support.kitdb import drop_database
from tests.support.topics import delete_topics


@pytest.fixture(scope="package")
def far() -> Iterator[Far]:
    with far_side() as servers:
        servers.receiver.secrets["default"] = [DEFAULT_SECRET]
        yield servers


def notify_settings(infra: Infra, far: Far, namespace: str, database_url: str, sink: Path) -> NotifySettings:
    return NotifySettings(
        environment="test",
        instance_id=namespace.strip("."),
        database_url=database_url,
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=namespace,
        default_webhook_url=far.hook_url("default"),
        default_webhook_secret=DEFAULT_SECRET,
        sms_provider="gateway",
        sms_gateway_url=far.url,
        sms_gateway_key=far.gateway.API_KEY,
        email_provider="smtp",
        smtp_host=far.smtp_host,
        smtp_port=far.smtp_port,
        intake_url=far.url,
        file_sink_dir=str(sink),
        # Fast retries, so a retry is seen within a test; the policy's shape is unit-tested.
        retry_base_seconds=0.2,
        retry_cap_seconds=1.0,
        sender_max_attempts=4,
        sender_poll_seconds=0.2,
        sms_rate_per_second=20.0,
        sms_burst=5,
        # The tests run at any hour; quiet hours are tested through an officer's own window.
        default_quiet_hours="off",
    )


@pytest.fixture(scope="package")
async def notify(infra: Infra, far: Far, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Notify]:
    namespace = f"n{uuid.uuid4().hex[:8]}."
    database_url = infra.database_url(f"notify_{namespace.strip('.')}")
    upgrade(MIGRATIONS, database_url)
    previous = namespaced("")
    set_namespace(namespace)
    await ensure_topics(infra.kafka_bootstrap)
    settings = notify_settings(infra, far, namespace, database_url, tmp_path_factory.mktemp("sink"))
    app = build_app(settings)
    producer: AIOKafkaProducer = make_producer(infra.kafka_bootstrap, "notify-test")
    await producer.start()
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://notify") as client:
                yield Notify(client, producer, infra.kafka_bootstrap, namespace, database_url, far)
    finally:
        await producer.stop()
        await delete_topics(infra.kafka_bootstrap, all_topic_names())
        set_namespace(previous)
        drop_database(database_url)


@pytest.fixture(autouse=True, scope="package")
def _quiet_http_logs() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
