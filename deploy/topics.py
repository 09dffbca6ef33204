"""Create every topic of the code (and its dead-letter twin) on a cluster: the compose topic step.

`python -m deploy.topics [--replication-factor N] [--min-insync-replicas N]`. Settings come from
the environment like a service's (KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX,
KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS); flags win over them. Before creating
anything it waits until the cluster has as many brokers as the replication factor, so a
three-broker cluster whose last broker is still starting does not fail the step. Topics that
already exist are left as they are (their replication is not changed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.events.topics import set_namespace
from shared.kafka import ensure_topics


class TopicSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_topic_prefix: str = ""
    kafka_replication_factor: int = Field(default=1, ge=1)
    # 0: leave the broker's default (`min.insync.replicas` of the broker configuration).
    kafka_min_insync_replicas: int = Field(default=0, ge=0)
    kafka_broker_wait_seconds: float = 120.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.topics", description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", help="overrides KAFKA_TOPIC_PREFIX")
    parser.add_argument("--replication-factor", type=int, help="overrides KAFKA_REPLICATION_FACTOR")
    parser.add_argument("--min-insync-replicas", type=int, help="overrides KAFKA_MIN_INSYNC_REPLICAS")
    parser.add_argument("--broker-wait", type=float, help="seconds to wait for enough brokers")
    return parser


async def broker_count(bootstrap: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="topic-setup")
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return len(cluster.get("brokers", []))
    except KafkaError:
        return 0
    finally:
        await admin.close()


async def wait_for_brokers(bootstrap: str, wanted: int, wait_seconds: float) -> int:
    deadline = time.monotonic() + wait_seconds
    while True:
        seen = await broker_count(bootstrap)
        if seen >= wanted:
            return seen
        if time.monotonic() > deadline:
            raise SystemExit(
                f"deploy.topics: {seen} broker(s) at {bootstrap} after {wait_seconds:.0f}s; "
                f"replication factor {wanted} needs {wanted}"
            )
        await asyncio.sleep(1.0)


async def run(settings: TopicSettings) -> list[str]:
    set_namespace(settings.kafka_topic_prefix)
    rf, isr = settings.kafka_replication_factor, settings.kafka_min_insync_replicas
    if isr > rf:
        raise SystemExit(f"deploy.topics: min.insync.replicas {isr} > replication factor {rf}")
    await wait_for_brokers(settings.kafka_bootstrap_servers, rf, settings.kafka_broker_wait_seconds)
    return await ensure_topics(settings.kafka_bootstrap_servers, rf, isr or None)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {
        "kafka_bootstrap_servers": args.bootstrap_servers,
        "kafka_topic_prefix": args.prefix,
        "kafka_replication_factor": args.replication_factor,
        "kafka_min_insync_replicas": args.min_insync_replicas,
        "kafka_broker_wait_seconds": args.broker_wait,
    }
    settings = TopicSettings(**{k: v for k, v in overrides.items() if v is not None})
    created = asyncio.run(run(settings))
    print(f"deploy.topics: {len(created)} topic(s) created" + (f": {', '.join(created)}" if created else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
