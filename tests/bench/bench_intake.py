"""Durable accepts per second of ONE intake process, beside the raw asyncpg insert+commit rate.

    python tests/bench/bench_intake.py [--concurrency 64] [--duration 10] [--rounds 2]

Starts its own Kafka and PostgreSQL (ports of their own, apart from bench_latency's; or uses
KAFKA_BOOTSTRAP_SERVERS / POSTGRES_URL), one intake API process (`python -m services.intake serve`,
uvicorn and consumer, `RELAY_IN_PROCESS=false`) and its outbox relay process (`python -m
services.intake relay`), as the deployments run them, on a fresh database; then alternates two
closed-loop measurements at the same concurrency, on the same database server:

- raw: `concurrency` asyncpg connections, each inserting one row (the complaint's JSON) per
  transaction in autocommit, i.e. insert + commit, as fast as it can;
- intake: `concurrency` keep-alive HTTP connections, each POSTing a new complaint (realistic
  Chinese text on a real Zhangzhou village) and waiting for the 201, which intake sends only
  after the transaction holding the complaint committed.

Kafka publishing goes on during the intake measurement: the relay's CPU is reported beside the
API process's, and so is the outbox backlog at the end of each round. So is the CPU of PostgreSQL,
of Kafka and of this load generator, per accept (or per raw insert): on a machine where all of
them share the cores, that is what bounds the rates. Afterwards every acknowledged complaint is
checked to be in the database. Prints figures, then ONE final JSON line with both rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deploy.local.kafka import KafkaNode  # noqa: E402
from deploy.local.postgres import PostgresNode  # noqa: E402
from deploy.local.stack import Infra, free_port  # noqa: E402
from shared.settings import token_hash  # noqa: E402
from tests.support.intake_data import complaint  # noqa: E402

TOKEN = "bench-intake-token"
WARMUP_SECONDS = 2.0


@dataclass
class Tally:
    ok: int = 0
    failed: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # by process, over the window
    latencies: list[float] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)


def bodies(run: str, count: int) -> list[bytes]:
    rng = random.Random(run)
    return [json.dumps(complaint(n, f"{run}-{n}", rng), ensure_ascii=False).encode() for n in range(count)]


async def http_worker(port: int, queue: list[bytes], start: float, stop: float, tally: Tally) -> None:
    """One keep-alive connection, one request at a time (closed loop), raw HTTP/1.1 to keep the
    client's own cost small next to the server's."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /complaints HTTP/1.1\r\nHost: intake\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/json\r\n"
    ).encode()
    try:
        while queue and time.perf_counter() < stop:
            body = queue.pop()
            sent = time.perf_counter()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            response = await reader.readuntil(b"\r\n\r\n")
            length = int(response.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            payload = await reader.readexactly(length)
            if sent < start:
                continue  # warm-up
            if response[9:12] == b"201":
                tally.ok += 1
                tally.latencies.append(time.perf_counter() - sent)
                tally.acked.append(json.loads(payload)["complaint_id"])
            else:
                tally.failed += 1
    finally:
        writer.close()


async def raw_worker(dsn: str, queue: list[bytes], start: float, stop: float, tally: Tally) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        insert = await conn.prepare("INSERT INTO raw_accepts (id, body) VALUES ($1, $2::jsonb)")
        n = 0
        while time.perf_counter() < stop:
            # The same complaint texts over again: only the key must be new, and the rate may
            # exceed any number of bodies prepared in advance.
            body = queue[n % len(queue)]
            n += 1
            sent = time.perf_counter()
            await insert.fetch(str(uuid.uuid4()), body.decode())  # autocommit: insert + commit
            if sent >= start:
                tally.ok += 1
                tally.latencies.append(time.perf_counter() - sent)
    finally:
        await conn.close()


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU a process has used so far (Linux /proc); with `children`, also what its
    exited children used and the live children's own (PostgreSQL's backends)."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    child = _stat(int(entry.name))
                except (OSError, IndexError):
                    continue
                if int(child[1]) == pid:
                    ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Watched:
    """The processes whose CPU is measured: name -> (pid, with children)."""

    pids: dict[str, tuple[int, bool]]

    def snapshot(self) -> dict[str, float]:
        out = {}
        for name, (pid, children) in self.pids.items():
            try:
                out[name] = cpu_seconds(pid, children)
            except OSError:
                continue
        out["load_generator"] = time.process_time()
        return out


async def watch_cpu(watched: Watched, start: float, stop: float, tally: Tally) -> None:
    """Each process's CPU over the measured window: figures that hold on a busy machine."""
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = watched.snapshot()
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    after = watched.snapshot()
    tally.cpu_seconds = {name: after[name] - before[name] for name in before if name in after}


async def measure(
    kind: str, concurrency: int, duration: float, queue: list[bytes], target: str, watched: Watched
) -> Tally:
    tally = Tally()
    start = time.perf_counter() + WARMUP_SECONDS
    stop = start + duration
    if kind == "raw":
        workers = [raw_worker(target, queue, start, stop, tally) for _ in range(concurrency)]
    else:
        workers = [http_worker(int(target), queue, start, stop, tally) for _ in range(concurrency)]
    workers.append(watch_cpu(watched, start, stop, tally))
    await asyncio.gather(*workers)
    if kind == "intake" and not queue:
        raise RuntimeError("ran out of prepared bodies: raise the count")
    return tally


def start_intake(
    infra: Infra, database_url: str, namespace: str, port: int, log: Path
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """The API process and its relay process, as the deployments run them."""
    callers = [
        {
            "name": "bench",
            "token_sha256": token_hash(TOKEN),
            "scopes": ["complaints:write"],
            "rate_per_second": 1e9,
            "burst": 1_000_000_000,
            "max_body_bytes": 1_048_576,
        }
    ]
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": namespace,
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "CALLERS": json.dumps(callers),
        "RELAY_IN_PROCESS": "false",
        "PYTHONPATH": str(ROOT),
    }
    api, relay = (
        subprocess.Popen(
            [sys.executable, "-m", "services.intake", command],
            cwd=ROOT,
            env=env,
            stdout=log.with_suffix(f".{command}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for command in ("serve", "relay")
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for proc in (api, relay):
            if proc.poll() is not None:
                raise RuntimeError(f"intake exited with {proc.returncode}; see {log.parent}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                print(f"intake API pid {api.pid}, relay pid {relay.pid}", flush=True)
                return api, relay
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("intake did not become ready")


def summary(tally: Tally, duration: float, backlog: int | None = None) -> dict[str, float]:
    lat = sorted(tally.latencies) or [0.0]
    cpu = {f"{name}_cpu_us_per_op": round(seconds / tally.ok * 1e6)
           for name, seconds in tally.cpu_seconds.items() if tally.ok}
    if backlog is not None:
        cpu["outbox_backlog_at_end"] = backlog
    return cpu | {
        "per_s": round(tally.ok / duration, 1),
        "ok": tally.ok,
        "failed": tally.failed,
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 2),
    }


async def run(args: argparse.Namespace, infra: Infra, tmp: Path) -> dict[str, object]:
    from shared.events.topics import set_namespace
    from shared.kafka import ensure_topics
    from shared.migrations import upgrade

    run_id = uuid.uuid4().hex[:6]
    namespace = f"bi{run_id}."
    database_url = infra.database_url(f"intake_bench_{run_id}")
    await asyncio.to_thread(upgrade, ROOT / "services" / "intake" / "migrations", database_url)
    set_namespace(namespace)
    await ensure_topics(infra.kafka_bootstrap)
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    await conn.execute(
        "CREATE TABLE raw_accepts (id text PRIMARY KEY, body jsonb NOT NULL, "
        "received_at timestamptz NOT NULL DEFAULT now())"
    )
    await conn.close()
    port = free_port()
    api, relay = start_intake(infra, database_url, namespace, port, tmp / "intake.log")
    pids = {"api": (api.pid, False), "relay": (relay.pid, False)}
    if infra.postgres is not None:
        postmaster = int((infra.postgres.pgdata / "postmaster.pid").read_text().split()[0])
        pids["postgres"] = (postmaster, True)
    if infra.kafka is not None and (kafka_pid := infra.kafka.running_pid()) is not None:
        pids["kafka"] = (kafka_pid, False)
    watched = Watched(pids)
    per_round = int(args.expected * (args.duration + WARMUP_SECONDS))
    raw_rounds, intake_rounds = [], []
    acked: list[str] = []
    try:
        for r in range(args.rounds):
            raw = await measure(
                "raw", args.concurrency, args.duration, bodies(f"raw{r}{run_id}", 5_000), dsn, watched
            )
            raw_rounds.append(summary(raw, args.duration))
            print(f"round {r + 1} raw asyncpg insert+commit: {raw_rounds[-1]}", flush=True)
            http = await measure(
                "intake",
                args.concurrency,
                args.duration,
                bodies(f"in{r}{run_id}", per_round),
                str(port),
                watched,
            )
            conn = await asyncpg.connect(dsn)
            backlog = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            await conn.close()
            intake_rounds.append(summary(http, args.duration, backlog))
            acked += http.acked
            print(f"round {r + 1} intake durable accepts:   {intake_rounds[-1]}", flush=True)
        conn = await asyncpg.connect(dsn)
        stored = await conn.fetchval("SELECT count(*) FROM complaints WHERE id = ANY($1::text[])", acked)
        await conn.close()
    finally:
        for proc in (api, relay):
            proc.terminate()
        for proc in (api, relay):
            proc.wait(timeout=60)
    raw_rate = statistics.mean(r["per_s"] for r in raw_rounds)
    intake_rate = statistics.mean(r["per_s"] for r in intake_rounds)
    print(f"acknowledged {len(acked)} complaints; found in the database: {stored}")
    return {
        "benchmark": "intake_durable_accepts",
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "intake_accepts_per_s": round(intake_rate, 1),
        "raw_insert_commit_per_s": round(raw_rate, 1),
        "ratio": round(intake_rate / raw_rate, 3) if raw_rate else None,
        "intake_server_cpu_us_per_accept": mean_of(intake_rounds, "api_cpu_us_per_op"),
        # CPU per accept of each process (per raw insert for the raw_ ones), mean over rounds.
        **{f"intake_{name}_cpu_us_per_accept": mean_of(intake_rounds, f"{name}_cpu_us_per_op")
           for name in (*pids, "load_generator")},
        **{f"raw_{name}_cpu_us_per_insert": mean_of(raw_rounds, f"{name}_cpu_us_per_op")
           for name in ("postgres", "load_generator")},
        "outbox_backlog_at_end": intake_rounds[-1]["outbox_backlog_at_end"],
        "intake_p50_ms": intake_rounds[-1]["p50_ms"],
        "intake_p99_ms": intake_rounds[-1]["p99_ms"],
        "acknowledged_all_stored": stored == len(acked),
        "cores": os.cpu_count(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }


def mean_of(rounds: list[dict[str, float]], key: str) -> float | None:
    values = [r[key] for r in rounds if key in r]
    return round(statistics.mean(values)) if values else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--expected", type=float, default=8000, help="upper bound of the rate, for bodies")
    args = parser.parse_args()
    local = ROOT / ".local"
    infra = Infra.start(
        kafka=KafkaNode(home=local / "intake-bench-kafka", port=39292, controller_port=39293),
        postgres=PostgresNode(home=local / "intake-bench-postgres", port=55438),
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(run(args, infra, Path(tmp)))
    finally:
        infra.stop()
    print(json.dumps(result))
    return 0 if result["acknowledged_all_stored"] else 1


if __name__ == "__main__":
    sys.exit(main())
