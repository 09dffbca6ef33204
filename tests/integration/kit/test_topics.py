"""Topic creation through the admin client: every topic explicit, partitioned, with a DLQ twin."""

from __future__ import annotations

import pytest

from shared.events.topics import ALL_TOPICS, all_topic_names, namespaced, set_namespace
from shared.kafka import ensure_topics
from tests.support.topics import delete_topics, describe_partitions

pytestmark = pytest.mark.infra


async def test_ensure_topics_creates_every_topic_with_at_least_six_partitions(
    bootstrap: str, namespace: str
) -> None:
    previous = namespaced("")
    set_namespace(namespace)
    names = all_topic_names()
    try:
        created = await ensure_topics(bootstrap)
        assert sorted(created) == sorted(names)
        assert all(n.startswith(namespace) for n in names)
        partitions = await describe_partitions(bootstrap, names)
        for topic in ALL_TOPICS:
            assert partitions[topic.name] >= 6, topic.name
            assert partitions[topic.dlq] >= 1, topic.dlq
        # A second run (another replica starting) changes nothing and does not fail.
        assert await ensure_topics(bootstrap) == []
    finally:
        set_namespace(previous)
        await delete_topics(bootstrap, names)
