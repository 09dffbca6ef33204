"""The whole system on one machine: Kafka, PostgreSQL, topics, migrations, the four services
and intake's outbox relay (a process of its own, as the compose file runs it).

`python -m deploy.local.stack up|down|status` is what `make up` / `make down` run. The end-to-end
and fault tests use the same `Stack` class, so what the tests exercise is what an operator starts.
Existing servers are used instead of the embedded ones when `KAFKA_BOOTSTRAP_SERVERS` or
`POSTGRES_URL` are set; a service's own `<NAME>_DATABASE_URL` wins over both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local.kafka import KafkaNode
from deploy.local.kafka import default_node as default_kafka
from deploy.local.postgres import PostgresNode
from deploy.local.postgres import default_node as default_postgres

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "ledger", "pairing", "notify")
# Services whose outbox relay runs as `python -m services.<name> relay`, apart from the API process.
SEPARATE_RELAYS = ("intake",)
RELAY_READY_LINE = "outbox relay started"
DEFAULT_PORTS = {"intake": 8001, "ledger": 8002, "pairing": 8003, "notify": 8004}
WEBHOOK_SINK_PORT = 8099


@dataclass
class Infra:
    kafka_bootstrap: str
    postgres_url: str  # server URL without a database, asyncpg driver
    kafka: KafkaNode | None = None
    postgres: PostgresNode | None = None

    def database_url(self, database: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{database}"

    @classmethod
    def start(cls, kafka: KafkaNode | None = None, postgres: PostgresNode | None = None) -> Infra:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        pg_url = os.environ.get("POSTGRES_URL")
        knode = pnode = None
        if not bootstrap:
            knode = kafka or default_kafka()
            bootstrap = knode.start()
        if not pg_url:
            pnode = postgres or default_postgres()
            pnode.start()
            pg_url = f"postgresql+asyncpg://{pnode.user}@127.0.0.1:{pnode.port}"
        return cls(bootstrap, pg_url, knode, pnode)

    def stop(self) -> None:
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    command: str = "serve"
    # Without HTTP (a relay): ready once this line is in its log, written after this start.
    ready_line: str | None = None
    _log_offset: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, **self.env, **(extra_env or {})}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}", self.command],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def wait_exit(self, timeout: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if self.ready_line is not None:
                if self._logged_since_start(self.ready_line):
                    return
                time.sleep(0.3)
                continue
            try:
                r = httpx.get(f"{self.url}/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last = r.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} {self.command} not ready after {timeout}s: {last or self.log_path}")

    def _logged_since_start(self, text: str) -> bool:
        if not self.log_path.exists():
            return False
        with self.log_path.open("rb") as fh:
            fh.seek(self._log_offset)
            return text.encode() in fh.read()


@dataclass
class Stack:
    infra: Infra
    run_dir: Path
    namespace: str = ""
    db_suffix: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    relays: dict[str, ServiceProcess] = field(default_factory=dict)  # by service: its relay process

    def database_url(self, service: str) -> str:
        override = os.environ.get(f"{service.upper()}_DATABASE_URL")
        return override or self.infra.database_url(f"{service}{self.db_suffix}")

    def service_env(self, name: str) -> dict[str, str]:
        return {
            "ENVIRONMENT": "development",
            "SERVICE_NAME": name,
            "DATABASE_URL": self.database_url(name),
            "KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka_bootstrap,
            "KAFKA_TOPIC_PREFIX": self.namespace,
            "HTTP_PORT": str(self.ports[name]),
            # notify resolves reporters' contact details through intake's internal endpoint.
            "INTAKE_URL": f"http://127.0.0.1:{self.ports['intake']}",
            "PYTHONPATH": str(ROOT),
            **({"RELAY_IN_PROCESS": "false"} if name in SEPARATE_RELAYS else {}),
            **self.env,
        }

    def prepare(self) -> None:
        """Topics and migrations: the explicit steps before any service starts."""
        from shared.events.topics import set_namespace
        from shared.kafka import ensure_topics
        from shared.migrations import upgrade

        set_namespace(self.namespace)
        asyncio.run(ensure_topics(self.infra.kafka_bootstrap))
        for name in SERVICES:
            upgrade(ROOT / "services" / name / "migrations", self.database_url(name))

    def start(self, only: tuple[str, ...] = SERVICES) -> None:
        for name in SERVICES:
            self.ports.setdefault(name, free_port())
        for name in only:
            svc = ServiceProcess(name, self.ports[name], self.service_env(name),
                                 self.run_dir / "logs" / f"{name}.log")
            self.services[name] = svc
            svc.start()
            if name in SEPARATE_RELAYS:
                # At INFO whatever the services run at: its readiness is a log line, and it logs
                # little else (start, stop, failures).
                relay_env = {**self.service_env(name), "LOG_LEVEL": "INFO"}
                relay = ServiceProcess(name, self.ports[name], relay_env,
                                       self.run_dir / "logs" / f"{name}-relay.log", command="relay",
                                       ready_line=RELAY_READY_LINE)
                self.relays[name] = relay
                relay.start()
        for name in only:
            self.services[name].wait_ready()
            if name in self.relays:
                self.relays[name].wait_ready()

    def process(self, name: str) -> ServiceProcess:
        """A service's API process (`intake`) or its relay process (`intake-relay`)."""
        service, _, kind = name.partition("-")
        return self.relays[service] if kind == "relay" else self.services[name]

    def restart(self, name: str, extra_env: dict[str, str] | None = None, wait: bool = True) -> None:
        svc = self.process(name)
        svc.kill(signal.SIGTERM)
        svc.start(extra_env)
        if wait:
            svc.wait_ready()

    def stop(self) -> None:
        for svc in [*self.services.values(), *self.relays.values()]:
            svc.kill(signal.SIGTERM)

    def endpoints(self) -> dict[str, object]:
        from shared.settings import DEMO_TOKENS

        return {
            "services": {n: s.url for n, s in self.services.items()},
            "kafka_bootstrap_servers": self.infra.kafka_bootstrap,
            "postgres": {n: self.database_url(n) for n in SERVICES},
            "demo_tokens": {name: tok for tok, (name, _) in DEMO_TOKENS.items()},
            "webhook_sink": f"http://127.0.0.1:{WEBHOOK_SINK_PORT}/webhooks",
            "webhook_log": str(self.run_dir / "webhooks.jsonl"),
        }


PID_FILE = ROOT / ".local" / "stack.json"


def up() -> int:
    run_dir = ROOT / ".local"
    infra = Infra.start()
    sink = subprocess.Popen(
        [sys.executable, "-m", "deploy.local.webhook_sink", str(WEBHOOK_SINK_PORT),
         str(run_dir / "webhooks.jsonl")],
        cwd=ROOT, start_new_session=True,
        stdout=open(run_dir / "webhook_sink.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    stack = Stack(infra, run_dir, ports=dict(DEFAULT_PORTS),
                  env={"DEFAULT_WEBHOOK_URL": f"http://127.0.0.1:{WEBHOOK_SINK_PORT}/webhooks"})
    stack.prepare()
    stack.start()
    from deploy.local.demo import seed

    seeded = seed(stack)
    pids = {n: s.proc.pid for n, s in stack.services.items() if s.proc}
    pids |= {f"{n}-relay": s.proc.pid for n, s in stack.relays.items() if s.proc}
    pids["webhook_sink"] = sink.pid
    PID_FILE.write_text(json.dumps(pids))
    endpoints = {**stack.endpoints(), "demo": seeded}
    (run_dir / "endpoints.json").write_text(json.dumps(endpoints, ensure_ascii=False, indent=2))
    print(json.dumps(endpoints, ensure_ascii=False, indent=2))
    print(f"\nThe system is up. Endpoints and demo credentials: {run_dir / 'endpoints.json'}")
    return 0


def down() -> int:
    if PID_FILE.exists():
        for pid in json.loads(PID_FILE.read_text()).values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        time.sleep(1)
        PID_FILE.unlink()
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        default_kafka().stop()
    if not os.environ.get("POSTGRES_URL"):
        default_postgres().stop()
    print("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["up", "down"])
    args = parser.parse_args(argv)
    return up() if args.action == "up" else down()


if __name__ == "__main__":
    sys.exit(main())
