"""Rebuilding the ledger from its journal topic, beside the raw consume rate of the same topic.

    python tests/bench/bench_ledger_rebuild.py [--events 1000000]

Starts its own Kafka (.local/bench-kafka, port 39092) and PostgreSQL (.local/bench-postgres,
port 55434), or uses KAFKA_BOOTSTRAP_SERVERS / POSTGRES_URL; `--servers ledger-bench
--kafka-port 39192 --postgres-port 55534` keeps it clear of other benchmarks using those.
Produces `--events` journal records the way the ledger publishes them (CloudEvents headers,
the domain's codec): problems that each go through the whole loop (registered with a complaint,
assigned, planned, rectified, reviewed by an outsider, closed), ~16 records a problem. Then, in
the same run and on the same topic:

1. raw consume: an aiokafka consumer reading every record to the end offsets, doing nothing;
2. rebuild: the ledger's own `rebuild` (consume, decode, fold through the domain, COPY the
   journal, problems, reports into a fresh database), in `--workers` processes (default: the
   CPU count, like the CLI), each folding its share of the partitions.

Goal: at least 20,000 events/s, and 1,000,000 events in under 60 s. Prints figures and a final
JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiokafka import AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402

from deploy.local.kafka import KafkaNode  # noqa: E402
from deploy.local.postgres import PostgresNode  # noqa: E402
from deploy.local.stack import Infra  # noqa: E402
from services.ledger.adapters import journal as jr  # noqa: E402
from services.ledger.adapters.records import (  # noqa: E402
    ComplaintLinked,
    ProblemIndexed,
    TeamRecorded,
)
from services.ledger.adapters.topic_reader import read_to_end  # noqa: E402
from services.ledger.bootstrap import MIGRATIONS  # noqa: E402
from services.ledger.domain.clocks import ClockPolicy  # noqa: E402
from services.ledger.domain.enums import Category, EvidenceKind, Source  # noqa: E402
from services.ledger.domain.evidence import Evidence, Recovery, Reviewer  # noqa: E402
from services.ledger.domain.period import CHINA_TZ  # noqa: E402
from services.ledger.domain.places import Place as DomainPlace  # noqa: E402
from services.ledger.domain.problem import Problem  # noqa: E402
from services.ledger.domain.responsibility import (  # noqa: E402
    Measure,
    RectificationPlan,
    ResponsiblePerson,
    Unit,
)
from services.ledger.domain.workdays import CHINA_CALENDAR  # noqa: E402
from services.ledger.service_layer.rebuild import rebuild  # noqa: E402
from shared.events.catalog import Place  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

PID = "00000000-0000-4000-8000-000000000000"
KEY = "bench-000000000"
CID = "c0000000-0000-4000-8000-000000000000"
PLACE = Place(village_code="350623101226", village_name="狮头村委会", town_code="350623101",
              town_name="旧镇镇", county_code="350623", county_name="漳浦县")


@dataclass(frozen=True)
class Template:
    """One problem's journal, encoded once, with placeholders for its ids."""

    entries: list[tuple[str, str, str, bytes]]  # (record type, command id suffix, action, value)


def template() -> Template:
    start = datetime(2025, 3, 3, 9, tzinfo=CHINA_TZ)
    policy = ClockPolicy()

    def t(hours: int) -> datetime:
        return start + timedelta(hours=hours)

    p = Problem.register(problem_id=PID, title="村集体鱼塘承包合同到期后仍被占用", category=Category.SANZI,
                         source=Source.HOTLINE_12345,
                         place=DomainPlace(county_code="350623", town_code="350623101",
                                           village_code="350623101226"),
                         actor="intake:hotline_12345", now=start, policy=policy,
                         reporter_ref="rr-bench", named_reporter=True)
    commands: list[tuple[str, list[jr.JournalItem]]] = []
    commands.append(("register", [
        ProblemIndexed(problem_id=PID, problem_key=KEY, place=PLACE, actor="intake", at=start),
        ComplaintLinked(problem_id=PID, complaint_id=CID, reporter_ref="rr-bench",
                        channel="hotline_12345", actor="intake", at=start),
        *p.new_events]))
    p.new_events.clear()

    def step(action: str, *records: jr.JournalItem) -> None:
        commands.append((action, [*records, *p.new_events]))
        p.new_events.clear()

    team = TeamRecorded(problem_id=PID, assignment_id="as-bench", mode="optimised",
                        members=[{"officer_id": "officer-fotan-01", "role": "lead",
                                  "town_code": "350623102"}], actor="pairing", at=t(1))
    p.assign(responsible=(ResponsiblePerson(person_id="officer-fotan-01", name="officer-fotan-01",
                                            role="lead", lead=True),),
             unit=Unit(unit_id="as-bench", name="佛昙镇纪委"), actor="pairing", now=t(1),
             policy=policy)
    step("assign", team)
    p.set_plan(plan=RectificationPlan(measures=(
        Measure(measure_id="m1", description="收回鱼塘", due=datetime(2025, 3, 20).date()),
        Measure(measure_id="m2", description="重新公开发包", due=datetime(2025, 3, 28).date())),
        due=datetime(2025, 3, 31).date()), actor="cadre-001", now=t(24), cal=CHINA_CALENDAR)
    step("set_plan")
    for n, m in enumerate(("m1", "m2"), start=2):
        p.complete_measure(measure_id=m, actor="cadre-001", now=t(24 * n))
        step("complete_measure")
    p.add_evidence(evidence=Evidence(evidence_id="ev-1", kind=EvidenceKind.CONTRACT,
                                     sha256="ab" * 32, description="新签合同"),
                   actor="cadre-001", now=t(100))
    step("add_evidence")
    recovery = Recovery(yuan=Decimal("120000.00"), mu=Decimal("35.50"), contracts=2)
    p.submit_rectification(summary="已收回并重新发包", actor="cadre-001", now=t(101),
                           claimed=recovery)
    step("submit_rectification")
    p.pass_review(reviewer=Reviewer(person_id="officer-county-03"), actor="officer-county-03",
                  now=t(150), verified=recovery)
    step("pass_review")
    p.close(actor="county-commission", now=t(151), policy=policy)
    step("close")
    entries: list[tuple[str, str, str, bytes]] = []
    for n, (action, items) in enumerate(commands):
        for item in items:
            entries.append((item.type, f"{n}", action, jr.encode_item(item)))
    return Template(entries)


def problem_records(tpl: Template, i: int) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    pid = str(uuid.UUID(int=i, version=4))
    key, cid = f"bench-{i:09d}", f"c{pid[1:]}"
    out = []
    for seq, (record_type, command, action, raw) in enumerate(tpl.entries, start=1):
        value = raw.replace(PID.encode(), pid.encode()).replace(KEY.encode(), key.encode()) \
            .replace(CID.encode(), cid.encode())
        headers = [
            ("ce_id", jr.event_id_for(pid, seq).encode()), ("ce_source", jr.SOURCE.encode()),
            ("ce_type", record_type.encode()), ("ce_specversion", b"1.0"),
            ("ce_time", b"2025-03-03T09:00:00+08:00"), ("ce_subject", pid.encode()),
            ("content-type", b"application/json"), (jr.H_AGGREGATE, b"problem"),
            (jr.H_SEQ, str(seq).encode()), (jr.H_COMMAND, f"{pid}:{command}".encode()),
            (jr.H_ACTION, action.encode()),
        ]
        out.append((pid.encode(), value, headers))
    return out


async def produce(bootstrap: str, topic: str, events: int) -> tuple[int, int, float]:
    tpl = template()
    per = len(tpl.entries)
    problems = -(-events // per)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20,
                                max_batch_size=1024 * 1024, client_id="bench-journal")
    await producer.start()
    started, sent = time.perf_counter(), 0
    try:
        pending: list[asyncio.Future[object]] = []
        for i in range(problems):
            for key, value, headers in problem_records(tpl, i):
                if sent == events:
                    break
                pending.append(await producer.send(topic, value=value, key=key, headers=headers))
                sent += 1
            if len(pending) > 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent, problems, time.perf_counter() - started


async def raw_consume(bootstrap: str, topic: str) -> tuple[int, float]:
    started, count = time.perf_counter(), 0
    async for batch in read_to_end(bootstrap, [topic]):
        count += len(batch)
    return count, time.perf_counter() - started


async def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-topics")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-topics")
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


async def prepare(infra: Infra, events: int, partitions: int, ns: str
                  ) -> tuple[int, int, float, int, float, str]:
    journal, visits = f"{ns}ledger.journal", f"{ns}intake.visits"
    await create_topics(infra.kafka_bootstrap, [journal, visits], partitions)
    sent, problems, produce_s = await produce(infra.kafka_bootstrap, journal, events)
    print(f"produced {sent:,} journal records ({problems:,} problems) in {produce_s:.1f} s")
    raw, raw_s = await raw_consume(infra.kafka_bootstrap, journal)
    print(f"raw consume: {raw:,} records in {raw_s:.2f} s = {raw / raw_s:,.0f} events/s")
    url = infra.database_url(f"ledger_rebuild_{ns.strip('.')}")
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    return sent, problems, produce_s, raw, raw_s, url.replace("postgresql+asyncpg://",
                                                                 "postgresql://", 1)


def run(infra: Infra, events: int, partitions: int, workers: int, profile: bool = False
        ) -> dict[str, object]:
    ns = f"bench{uuid.uuid4().hex[:6]}."
    journal, visits = f"{ns}ledger.journal", f"{ns}intake.visits"
    try:
        sent, problems, _, raw, raw_s, dsn = asyncio.run(prepare(infra, events, partitions, ns))
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        cpu = time.process_time()
        report = rebuild(infra.kafka_bootstrap, journal, visits, dsn, workers=workers)
        cpu = time.process_time() - cpu
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        figures = report.as_dict()
        print(f"rebuild ({report.workers} worker(s)): {report.journal_records:,} records, "
              f"{report.problems:,} problems in {report.seconds:.2f} s (read+decode+fold "
              f"{report.read_fold_seconds:.2f} s, then writing {report.write_seconds:.2f} s) "
              f"= {figures['events_per_second']:,} events/s")
        print(f"rebuild phases (s from start): {report.phases}")
        assert report.journal_records == sent and report.problems == problems, figures
    finally:
        asyncio.run(delete_topics(infra.kafka_bootstrap, [journal, visits]))
    rate = int(figures["events_per_second"])
    return {
        "benchmark": "ledger_rebuild", "events": sent, "problems": problems,
        "partitions": partitions, "workers": report.workers,
        "raw_consume_events_per_s": round(raw / raw_s),
        "raw_consume_seconds": round(raw_s, 2), "rebuild_events_per_s": rate,
        "rebuild_seconds": figures["seconds"],
        "read_decode_fold_seconds": round(report.read_fold_seconds, 2),
        "write_after_fold_seconds": round(report.write_seconds, 2),
        "parent_cpu_seconds": round(cpu, 2), "load_average_1m": round(os.getloadavg()[0], 2),
        "goal_events_per_s": 20_000, "goal_met": rate >= 20_000 and (
            sent < 1_000_000 or float(figures["seconds"]) < 60),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="rebuild processes (default: CPU count, as the CLI)")
    parser.add_argument("--profile", action="store_true", help="cProfile the rebuild")
    # Other benchmarks start and stop the same servers: run beside them on servers of its own.
    parser.add_argument("--servers", default="bench", help="folder prefix under .local")
    parser.add_argument("--kafka-port", type=int, default=39092)
    parser.add_argument("--postgres-port", type=int, default=55434)
    args = parser.parse_args()
    local = ROOT / ".local"
    infra = Infra.start(
        kafka=KafkaNode(home=local / f"{args.servers}-kafka", port=args.kafka_port,
                        controller_port=args.kafka_port + 1),
        postgres=PostgresNode(home=local / f"{args.servers}-postgres", port=args.postgres_port),
    )
    try:
        result = run(infra, args.events, args.partitions, args.workers, args.profile)
    finally:
        infra.stop()
    print(json.dumps(result))
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
