"""The four services as processes: JSON logs with one trace id across Kafka, metrics, API fuzzing.

One stack for the module (starting it is the slow part). The fuzzing runs schemathesis over every
service's live OpenAPI document with the demo admin token, positive and negative data, and asserts
the two checks the issue names: no 5xx, no response that breaks its documented schema.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from aiokafka.admin import AIOKafkaAdminClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from prometheus_client.parser import text_string_to_metric_families
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from deploy.local.stack import Infra, ServiceProcess, Stack, free_port
from shared.kafka import make_producer
from tests.deploy.codebase import GUIDE, facts, service_names
from tests.support.stacks import ADMIN, HOTLINE, complaint, running_stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.infra]

# Requests for the whole fuzzing run, shared out over every operation of every service (two
# thirds valid data, one third invalid), so it stays about a minute on 2 cores as the APIs grow.
FUZZ_BUDGET = 1200
MIN_EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
SHARE = {GenerationMode.POSITIVE: 2 / 3, GenerationMode.NEGATIVE: 1 / 3}
REQUIRED_METRICS = {"http_requests", "http_request_duration_seconds", "consumer_lag", "outbox_backlog",
                    "dead_letters"}


@pytest.fixture(scope="module")
def live(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    namespace = f"t{uuid.uuid4().hex[:8]}."
    with running_stack(infra, tmp_path_factory.mktemp("deploy-stack"), namespace,
                       seed_officers=False) as (stack, _sink):
        yield stack


def log_lines(stack: Stack, service: str) -> list[dict[str, Any]]:
    path = stack.run_dir / "logs" / f"{service}.log"
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict):
            lines.append(entry)
    return lines


def raw_log_lines(stack: Stack, service: str) -> list[str]:
    path = stack.run_dir / "logs" / f"{service}.log"
    return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]


def test_json_logs_carry_one_trace_id_from_intake_through_kafka_to_ledger(live: Stack) -> None:
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    intake = live.services["intake"].url
    r = httpx.post(f"{intake}/complaints", json=complaint(7001),
                   headers={**HOTLINE, "traceparent": traceparent}, timeout=10)
    assert r.status_code == 201, r.text

    def traced(service: str) -> list[dict[str, Any]]:
        return [e for e in log_lines(live, service) if e.get("trace_id") == trace_id]

    assert wait_until(lambda: traced("intake"), 10, what="intake's log line of the request")
    assert wait_until(lambda: traced("ledger"), 30, what="ledger's log line of the event, same trace id")


def test_every_log_line_is_a_json_object(live: Stack) -> None:
    for service in live.services:
        plain = [line for line in raw_log_lines(live, service) if not line.startswith("{")]
        assert not plain, f"{service} wrote lines that are not JSON: {plain[:3]}"
        parsed = log_lines(live, service)
        assert all({"ts", "level", "service", "logger", "msg"} <= set(e) for e in parsed)
        assert {e["service"] for e in parsed} == {service}


@dataclass
class Metrics:
    families: dict[str, Any]

    def samples(self, family: str) -> list[Any]:
        return list(self.families[family].samples) if family in self.families else []


def scrape(stack: Stack, service: str) -> Metrics:
    r = httpx.get(f"{stack.services[service].url}/metrics", timeout=5)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return Metrics({f.name: f for f in text_string_to_metric_families(r.text)})


async def publish_garbage(bootstrap: str, topic: str) -> None:
    producer = make_producer(bootstrap, "deploy-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not an event", key=b"garbage")
    finally:
        await producer.stop()


def test_metrics_tell_requests_latency_lag_backlog_and_dead_letters(live: Stack) -> None:
    # A service that consumes something, and one of its topics: from the code, not from a list.
    service, consumer = next((s, c) for s in service_names() for c in facts(s)["consumers"])
    topic = live.namespace + consumer["topics"][0]
    asyncio.run(publish_garbage(live.infra.kafka_bootstrap, topic))
    httpx.get(f"{live.services[service].url}/healthz", timeout=5)

    def parked() -> Metrics | None:
        metrics = scrape(live, service)
        hits = [s for s in metrics.samples("dead_letters") if s.labels.get("topic") == topic and s.value >= 1]
        return metrics if hits else None

    metrics = wait_until(parked, 30, what=f"{service} to count the parked record")
    assert set(metrics.families) >= REQUIRED_METRICS, set(metrics.families)
    assert any(s.labels["route"] == "/healthz" and s.labels["status"] == "200"
               for s in metrics.samples("http_requests"))
    assert any(s.name.endswith("_count") and s.value >= 1
               for s in metrics.samples("http_request_duration_seconds"))
    assert metrics.samples("consumer_lag"), "lag per consumer and partition"
    assert len(metrics.samples("outbox_backlog")) == 1, "one backlog gauge for the service's outbox"
    # Every service has the same HTTP and outbox metrics.
    for other in live.services:
        assert {"http_requests", "http_request_duration_seconds", "outbox_backlog", "dead_letters"} <= set(
            scrape(live, other).families), other
    # The operator guide's metric table names real metrics.
    guide = GUIDE.read_text(encoding="utf-8")
    for name in REQUIRED_METRICS:
        assert f"`{name}" in guide


async def group_members(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="deploy-test")
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        [described] = response.groups
        return len(described[5]) if described[2] == "Stable" else 0
    finally:
        await admin.close()


def test_another_replica_is_another_consumer_in_the_group(live: Stack) -> None:
    """What `docker compose up --scale S=2` does: a second process of a service, same settings."""
    service, consumer = next((s, c) for s in service_names() for c in facts(s)["consumers"])
    group = live.namespace + consumer["group"]
    bootstrap = live.infra.kafka_bootstrap
    assert wait_until(lambda: asyncio.run(group_members(bootstrap, group)) == 1, 30, what="one member")
    port = free_port()
    replica = ServiceProcess(service, port, {**live.service_env(service), "HTTP_PORT": str(port),
                                             "INSTANCE_ID": "replica-2"},
                             live.run_dir / "logs" / f"{service}-2.log")
    replica.start()
    try:
        replica.wait_ready()
        wait_until(lambda: asyncio.run(group_members(bootstrap, group)) == 2, 45,
                   what=f"{group} to have two members after the rebalance")
        httpx.get(f"{replica.url}/metrics", timeout=5).raise_for_status()
    finally:
        replica.kill(signal.SIGTERM)


def test_text_postgresql_cannot_store_is_refused_not_a_server_error(live: Stack) -> None:
    intake = live.services["intake"].url
    body = complaint(7002, description="村集体鱼塘\u0000承包合同到期后仍被占用,租金未收回。")
    r = httpx.post(f"{intake}/complaints", json=body, headers=HOTLINE, timeout=10)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["code"] == "validation_failed"


@dataclass
class Finding:
    service: str
    operation: str
    mode: str
    curl: str
    status: int
    body: str
    failure: str

    def __str__(self) -> str:
        return (f"{self.service} {self.operation} [{self.mode}] -> {self.status}: {self.failure}\n"
                f"    {self.curl}\n    response: {self.body[:500]}")


def fuzz_operation(service: str, url: str, operation: Any, mode: GenerationMode, examples: int,
                   findings: list[Finding]) -> int:
    """Send `examples` generated requests; record each distinct failure (no shrinking: bounded time)."""
    seen: set[str] = set()
    calls = 0

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal calls
        response = case.call(base_url=url, headers=ADMIN, timeout=15)
        calls += 1
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                   headers=ADMIN)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{response.status_code}:{failure.title}"
                if key not in seen:
                    seen.add(key)
                    findings.append(Finding(
                        service, operation.label, mode.value,
                        case.as_curl_command(headers=ADMIN, base_url=url), response.status_code,
                        response.text, f"{failure.title}: {failure.message}"[:800],
                    ))

    try:
        run()
    except Unsatisfiable:
        # No invalid request exists for an operation without inputs (GET /healthz): nothing to send.
        assert mode is GenerationMode.NEGATIVE, f"{service} {operation.label}: no valid request generated"
    return calls


def operations(service: str, url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", timeout=10)
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"{service}: an operation of its OpenAPI is invalid: {result.err()}"
        found.append(result.ok())
    return found


def test_api_fuzzing_finds_no_5xx_and_no_schema_violations(live: Stack) -> None:
    findings: list[Finding] = []
    started = time.monotonic()
    ops = {name: operations(name, svc.url) for name, svc in live.services.items()}
    total = sum(len(o) for o in ops.values())
    examples = {mode: max(MIN_EXAMPLES[mode], round(FUZZ_BUDGET * SHARE[mode] / total)) for mode in SHARE}
    calls = {
        name: sum(fuzz_operation(name, live.services[name].url, op, mode, n, findings)
                  for op in service_ops for mode, n in examples.items())
        for name, service_ops in ops.items()
    }
    assert set(calls) == set(service_names()) and all(calls.values()), calls
    elapsed = time.monotonic() - started
    print(f"fuzzing: {total} operations, {examples} examples each, {calls} requests in {elapsed:.0f}s")
    report = "\n".join(str(f) for f in findings)
    Path(live.run_dir / "fuzz-findings.txt").write_text(report, encoding="utf-8")
    assert not findings, f"{len(findings)} finding(s) in {elapsed:.0f}s:\n{report}"
