"""The compose topic step (`python -m deploy.topics`) on the real broker: exactly the code's topics."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from deploy import topics as topic_step
from deploy.asyncapi import DLQ_PARTITIONS
from deploy.local.stack import Infra
from shared.events.topics import ALL_TOPICS, set_namespace
from tests.deploy.codebase import command_of, compose, environment, python_module_command
from tests.support.topics import delete_topics, describe_partitions

pytestmark = pytest.mark.infra


async def topics_with_prefix(bootstrap: str, prefix: str, expect: int = 0) -> set[str]:
    """Topics named `prefix...`, waiting (up to 30 s) for `expect` of them: creation is asynchronous."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="deploy-test")
    await admin.start()
    try:
        for _ in range(150):
            found = {t for t in await admin.list_topics() if t.startswith(prefix)}
            if len(found) >= expect:
                break
            await asyncio.sleep(0.2)
        return found
    finally:
        await admin.close()


async def min_isr(bootstrap: str, topic: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="deploy-test")
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        for _, _, _, _, entries in response.resources:
            for entry in entries:
                if entry[0] == "min.insync.replicas":
                    return str(entry[1])
        raise LookupError(topic)
    finally:
        await admin.close()


def test_topic_step_creates_exactly_the_code_topics(infra: Infra, namespace: str) -> None:
    bootstrap = infra.kafka_bootstrap
    # The compose service's own command and environment, pointed at the test broker and namespace.
    service = compose()["services"]["topics"]
    module, args = python_module_command(command_of(service))  # type: ignore[misc]
    assert module == topic_step.__name__
    env = environment(service)
    argv = [*args, "--bootstrap-servers", bootstrap, "--prefix", namespace,
            "--replication-factor", env["KAFKA_REPLICATION_FACTOR"],
            "--min-insync-replicas", env["KAFKA_MIN_INSYNC_REPLICAS"]]
    expected = {namespace + t.base for t in ALL_TOPICS} | {f"{namespace}{t.base}.dlq" for t in ALL_TOPICS}
    try:
        assert topic_step.main(argv) == 0
        assert asyncio.run(topics_with_prefix(bootstrap, namespace, len(expected))) == expected
        partitions = asyncio.run(describe_partitions(bootstrap, sorted(expected)))
        for t in ALL_TOPICS:
            assert partitions[namespace + t.base] == t.partitions
            assert partitions[f"{namespace}{t.base}.dlq"] == DLQ_PARTITIONS, "AsyncAPI says so"
        assert asyncio.run(min_isr(bootstrap, namespace + ALL_TOPICS[0].base)) == env[
            "KAFKA_MIN_INSYNC_REPLICAS"]
        # Running the step again (every `docker compose up`) changes nothing.
        assert asyncio.run(topic_step.run(topic_step.TopicSettings(
            kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=namespace))) == []
    finally:
        asyncio.run(delete_topics(bootstrap, expected))
        set_namespace("")


def test_topic_step_waits_for_enough_brokers_then_fails_clearly(infra: Infra, namespace: str) -> None:
    settings = topic_step.TopicSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap, kafka_topic_prefix=namespace,
        kafka_replication_factor=3, kafka_min_insync_replicas=2, kafka_broker_wait_seconds=1.0,
    )
    with pytest.raises(SystemExit, match="replication factor 3 needs 3"):
        asyncio.run(topic_step.run(settings))
    assert asyncio.run(topics_with_prefix(infra.kafka_bootstrap, namespace)) == set()
    set_namespace("")
