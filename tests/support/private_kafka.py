"""A Kafka broker of a test's own, for a test that stops and starts the broker.

The session's test broker is shared by every pytest session on the machine (see tests/conftest.py):
stopping it would break other people's tests. A private broker uses the same jars (linked, not
copied or fetched again), its own data folder and free ports, and is gone when the test ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from deploy.local.kafka import KafkaNode
from deploy.local.stack import Infra, free_port


@contextlib.contextmanager
def private_kafka(template: KafkaNode, home: Path) -> Iterator[KafkaNode]:
    home.mkdir(parents=True, exist_ok=True)
    libs = home / "libs"
    if not libs.exists():
        libs.symlink_to(template.libs.resolve(), target_is_directory=True)
    port = free_port()
    controller = free_port()
    while controller == port:
        controller = free_port()
    node = KafkaNode(home=home, port=port, controller_port=controller)
    node.start()
    try:
        yield node
    finally:
        node.stop()


@contextlib.contextmanager
def infra_with_private_kafka(infra: Infra, home: Path) -> Iterator[Infra]:
    """The session's PostgreSQL with a broker of our own; None of it when Kafka is external."""
    assert infra.kafka is not None
    with private_kafka(infra.kafka, home) as node:
        yield Infra(node.bootstrap, infra.postgres_url, kafka=node, postgres=None)
