"""A single-node Apache Kafka broker in KRaft mode, from Maven Central jars.

`python -m deploy.local.kafka fetch|start|stop|status`. The jars come from `deploy/kafka/pom.xml`
through Maven (the only download); the log directory lives on disk under `.local/kafka/data`, so a
broker restart keeps every message. Nothing here runs when `KAFKA_BOOTSTRAP_SERVERS` points at an
existing cluster: callers check that first.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POM = ROOT / "deploy" / "kafka" / "pom.xml"
LIBS = ROOT / ".local" / "kafka" / "libs"


@dataclass(frozen=True)
class KafkaNode:
    home: Path
    port: int = 19092
    controller_port: int = 19093

    @property
    def libs(self) -> Path:
        # One copy of the jars for every broker this project starts (dev, tests, benchmarks).
        return LIBS

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def fetch(self) -> None:
        """Copy the broker's jars from Maven Central once; a marker records the pom it came from."""
        marker = self.libs / ".pom-digest"
        digest = hashlib.sha256(POM.read_bytes()).hexdigest()
        if marker.exists() and marker.read_text() == digest:
            return
        self.libs.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
                f"-DoutputDirectory={self.libs}", "-DincludeScope=runtime",
            ],
            check=True,
        )
        marker.write_text(digest)

    def _write_config(self) -> Path:
        cfg = self.home / "server.properties"
        cfg.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                    f"CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.data}",
                    "num.partitions=6",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=12",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "min.insync.replicas=1",
                    "auto.create.topics.enable=false",
                    "group.initial.rebalance.delay.ms=0",
                    # Flush is left to the OS like any production broker; durability comes from acks=all.
                    "log.retention.hours=-1",
                    "",
                ]
            )
        )
        return cfg

    def _java(self, main: str, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        cmd = [
            "java", "-Xms256m", "-Xmx768m", "-XX:+UseG1GC",
            f"-Dlog4j.configuration=file:{self._log4j()}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp", f"{self.libs}/*", main, *args,
        ]
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def _log4j(self) -> Path:
        path = self.home / "log4j.properties"
        if not path.exists():
            path.write_text(
                "log4j.rootLogger=WARN, file\n"
                "log4j.appender.file=org.apache.log4j.FileAppender\n"
                f"log4j.appender.file.File={self.home / 'broker.log'}\n"
                "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
                "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
                "log4j.logger.kafka.server.KafkaServer=INFO\n"
                "log4j.logger.kafka.server.BrokerServer=INFO\n"
            )
        return path

    def running_pid(self) -> int | None:
        if not self.pid_file.exists():
            return None
        pid = int(self.pid_file.read_text().strip() or 0)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, ValueError):
            return None
        return pid

    def start(self, timeout: float = 90.0) -> str:
        if not self.home.is_absolute():
            raise ValueError(f"the broker's home must be an absolute path, not {self.home}")
        if self.running_pid() is not None:
            wait_for_port(self.port, timeout)
            return self.bootstrap
        self.fetch()
        self.home.mkdir(parents=True, exist_ok=True)
        cfg = self._write_config()
        if not (self.data / "meta.properties").exists():
            cluster_id = _kafka_cluster_id()
            proc = self._java(
                "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(cfg),
                log=self.home / "format.log",
            )
            if proc.wait(timeout=120) != 0:
                raise RuntimeError(f"kafka storage format failed, see {self.home / 'format.log'}")
        proc = self._java("kafka.Kafka", str(cfg), log=self.home / "stdout.log")
        self.pid_file.write_text(str(proc.pid))
        wait_for_port(self.port, timeout)
        return self.bootstrap

    def stop(self, timeout: float = 60.0, hard: bool = False) -> None:
        pid = self.running_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _kafka_cluster_id() -> str:
    # Kafka wants a base64url-encoded 16-byte UUID without padding.
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def default_node() -> KafkaNode:
    home = Path(os.environ.get("LOCAL_KAFKA_HOME", ROOT / ".local" / "kafka"))
    return KafkaNode(home=home, port=int(os.environ.get("LOCAL_KAFKA_PORT", "19092")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["fetch", "start", "stop", "status"])
    args = parser.parse_args(argv)
    node = default_node()
    if args.action == "fetch":
        node.fetch()
    elif args.action == "start":
        print(node.start())
    elif args.action == "stop":
        node.stop()
    else:
        pid = node.running_pid()
        print(f"running pid={pid} at {node.bootstrap}" if pid else "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
