"""Complaint accepted → webhook delivered, through all four services, at a steady rate.

    python tests/bench/bench_latency.py [--rate 100] [--duration 60]

Starts its own Kafka and PostgreSQL (or uses KAFKA_BOOTSTRAP_SERVERS / POSTGRES_URL), the four
services as processes and a webhook sink; sends complaints open-loop at `rate` per second (each
send scheduled on the clock, not after the previous reply, so a slow system cannot slow the load
down), and measures from the moment intake acknowledged the complaint to the moment the sink
received the "assigned" status webhook that names it. A 5-second warm-up at the same rate
comes first and is not measured. Prints figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deploy.local.demo import demo_officers  # noqa: E402
from deploy.local.kafka import KafkaNode  # noqa: E402
from deploy.local.postgres import PostgresNode  # noqa: E402
from deploy.local.stack import Infra  # noqa: E402
from shared.settings import demo_callers  # noqa: E402
from tests.support.stacks import ADMIN, HOTLINE, complaint, running_stack  # noqa: E402

WARMUP_SECONDS = 5.0
CATEGORIES = ("sanzi", "bidding", "conduct", "benefits", "ecology", "livelihood", "other")
# Measure new problems, each one assigned a team: one complaint per (village, category), so intake
# does not merge them as reports of one problem (重复举报归并), for up to 2,135 x 7 complaints.
with (ROOT / "data" / "divisions" / "zhangzhou_villages.csv").open(encoding="utf-8") as _fh:
    VILLAGES = [row["code"] for row in csv.DictReader(_fh)]


def place_of(i: int) -> tuple[str, str]:
    return VILLAGES[i % len(VILLAGES)], CATEGORIES[(i // len(VILLAGES)) % len(CATEGORIES)]


def unthrottled_callers() -> str:
    """The demo callers, with the load generator's (hotline) rate limit above the offered rate."""
    return json.dumps([
        {**c.model_dump(), "rate_per_second": 10_000.0, "burst": 10_000} for c in demo_callers()
    ])


def seed_roomy_officers(pairing: str) -> None:
    """The demo officers with room for every problem of the run (pairing caps a caseload at 100)."""
    with httpx.Client(headers=ADMIN, timeout=10) as client:
        for officer in demo_officers():
            r = client.put(f"{pairing}/officers/{officer['id']}", json={**officer, "capacity": 100})
            r.raise_for_status()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time of the whole machine, all processes (PostgreSQL's backends included)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))  # minus idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def postgres_cpu(postmaster: int) -> float:
    """The server and its backends (children of the postmaster), those alive now: backends of
    the services' pools live as long as the run."""
    total = cpu_seconds(postmaster)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def profile(pids: dict[str, int], seconds: float, out: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy on every service for the run: collapsed stacks, for finding where CPU goes."""
    out.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return [subprocess.Popen([str(spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "50",
                              "-f", "raw", "-o", str(out / f"{name}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


class Connections:
    """Keep-alive HTTP/1.1 connections to intake, one request at a time each, opened as needed:
    raw bytes rather than an HTTP client library, so the load generator takes little of the CPU
    the services need (httpx cost about 1 ms of CPU per request)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"POST /complaints HTTP/1.1\r\nHost: intake\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\n").encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.idle:
            try:
                return await self._post(self.idle.pop(), body)
            except (asyncio.IncompleteReadError, ConnectionError):
                # intake closed the kept-alive connection while it was idle (uvicorn's keep-alive
                # timeout): send again on a new one; the external reference makes it idempotent.
                pass
        return await self._post(await asyncio.open_connection(self.host, self.port), body)

    async def _post(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], body: bytes
                    ) -> tuple[int, bytes]:
        reader, writer = conn
        writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        payload = await reader.readexactly(length)
        self.idle.append(conn)
        return int(head[9:12]), payload

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def drive(intake: str, rate: float, duration: float, run: str, first: int = 0
                ) -> tuple[dict[str, float], int]:
    acked: dict[str, float] = {}
    errors = 0
    total = int(rate * duration)
    url = httpx.URL(intake)
    conns = Connections(url.host, url.port or 80, HOTLINE["Authorization"].split()[1])
    bodies = []
    for i in range(first, first + total):
        village, category = place_of(i)
        bodies.append(json.dumps(complaint(i, village=village, category=category, external_ref=f"{run}-{i}"),
                                 ensure_ascii=False).encode())

    refusals: Counter[int | str] = Counter()

    async def one(body: bytes) -> None:
        nonlocal errors
        try:
            status, payload = await asyncio.wait_for(conns.post(body), 30)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            errors += 1  # intake could not take it in time: counted, not fatal to the run
            refusals[type(exc).__name__] += 1
            return
        if status == 201:
            acked[json.loads(payload)["complaint_id"]] = time.time()
        else:
            errors += 1
            refusals[status] += 1

    start = time.perf_counter()
    tasks = []
    for i, body in enumerate(bodies):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(body)))
    await asyncio.gather(*tasks)
    conns.close()
    if errors:
        print(f"{errors} complaints were refused: {dict(refusals)}", file=sys.stderr)
    return acked, errors


def collect(path: Path, acked: dict[str, float], seen: int, deadline: float
            ) -> tuple[dict[str, float], int]:
    """Latencies of `acked` from the sink's file, read from byte `seen` on, until every one has
    arrived or `deadline`; returns them and how far the file was read."""
    latencies: dict[str, float] = {}
    while time.monotonic() < deadline and len(latencies) < len(acked):
        if path.exists():
            with path.open("rb") as fh:
                fh.seek(seen)
                chunk = fh.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            seen += len(complete)
            for line in complete.splitlines():
                match(json.loads(line), acked, latencies)
        time.sleep(0.2)
    return latencies, seen


def match(delivery: dict[str, object], acked: dict[str, float], latencies: dict[str, float]) -> None:
    """A status-change webhook naming acknowledged complaints: their latency, first one only."""
    if delivery.get("key") == "probe":
        return
    body = json.loads(str(delivery["body"]))
    if not body["type"].endswith("status_changed.v1"):
        return
    for cid in body["data"].get("complaint_ids", []):
        if cid in acked and cid not in latencies:
            latencies[cid] = (float(delivery["received_at"]) - acked[cid]) * 1000  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)  # the steady rate
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--profile", type=Path, help="write py-spy collapsed stacks per service here")
    args = parser.parse_args()
    local = ROOT / ".local"
    infra = Infra.start(
        kafka=KafkaNode(home=local / "bench-kafka", port=39092, controller_port=39093),
        postgres=PostgresNode(home=local / "bench-postgres", port=55434),
    )
    run = uuid.uuid4().hex[:6]
    try:
        with tempfile.TemporaryDirectory() as tmp, running_stack(
            infra, Path(tmp), f"b{run}.", env={"LOG_LEVEL": "WARNING", "CALLERS": unthrottled_callers()},
        ) as (stack, sink):
            # The demo seed gives officers and county commissions their mail contacts, so notify
            # does its real work (officers told of each assignment; between 22:00 and 07:00
            # China time those notices wait for the end of quiet hours, as they would in service).
            seed_roomy_officers(stack.services["pairing"].url)
            pids = {n: s.proc.pid for n, s in stack.services.items() if s.proc}
            pids |= {f"{n}-relay": s.proc.pid for n, s in stack.relays.items() if s.proc}
            spies = profile(pids, args.duration, args.profile) if args.profile else []
            assert sink.proc is not None
            pids |= {"webhook_sink": sink.proc.pid, "load_generator": os.getpid()}
            kafka_pid = infra.kafka.running_pid() if infra.kafka is not None else None
            pids |= {"kafka": kafka_pid} if kafka_pid else {}
            postmaster = (int((infra.postgres.pgdata / "postmaster.pid").read_text().split()[0])
                          if infra.postgres is not None else None)
            # Warm-up, not measured: consumers joined, caches filled, connections open, as in service.
            warm, _ = asyncio.run(drive(stack.services["intake"].url, args.rate, WARMUP_SECONDS, run + "w",
                                        first=int(args.rate * args.duration)))
            _, seen = collect(sink.path, warm, 0, time.monotonic() + 60)
            cpu_before, machine_before = cpu_of(pids), machine_busy_seconds()
            if postmaster:
                cpu_before["postgres"] = postgres_cpu(postmaster)
            acked, refused = asyncio.run(drive(stack.services["intake"].url, args.rate, args.duration, run))
            latencies, _ = collect(sink.path, acked, seen, time.monotonic() + 60)
            cpu_after, machine_after = cpu_of(pids), machine_busy_seconds()
            if postmaster:
                cpu_after["postgres"] = postgres_cpu(postmaster)
            for spy in spies:
                spy.wait(timeout=120)
    finally:
        infra.stop()
    values = list(latencies.values())
    result = {
        "benchmark": "complaint_to_webhook_latency",
        "rate_per_s": args.rate,
        "duration_s": args.duration,
        "complaints_acknowledged": len(acked),
        "complaints_refused": refused,
        "webhooks_matched": len(values),
        "p50_ms": round(statistics.median(values), 1) if values else None,
        "p99_ms": round(percentile(values, 0.99), 1) if values else None,
        "max_ms": round(max(values), 1) if values else None,
        # The five slowest, by their place in the order intake acknowledged them: a stall at the
        # start (consumers joining) reads differently from one in the middle.
        "slowest": sorted(([rank, round(latencies[c], 1)] for rank, c in enumerate(acked) if c in latencies),
                          key=lambda x: -x[1])[:5],
        # CPU each service spent from the first complaint until the last webhook (or the wait's
        # end), per acknowledged complaint: where the machine's two cores go.
        "cpu_ms_per_complaint": {
            name: round((cpu_after[name] - cpu_before[name]) / max(1, len(acked)) * 1000, 2)
            for name in cpu_before
        },
        # Everything the machine ran in that time, other work on it included.
        "machine_cpu_ms_per_complaint": round(
            (machine_after - machine_before) / max(1, len(acked)) * 1000, 2),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    print(f"acknowledged {len(acked)}, delivered {len(values)}")
    print(json.dumps(result))
    return 0 if len(values) == len(acked) else 1


if __name__ == "__main__":
    sys.exit(main())
