"""The ledger's operator commands, beside `migrate` and `serve`:

    python -m services.ledger rebuild --into <database-url> [--verify]
    python -m services.ledger verify --against <database-url>
    python -m services.ledger record [--topics intake.complaints,...] --out stream.jsonl
    python -m services.ledger replay --in stream.jsonl [--speed 10] [--topics ...]
    python -m services.ledger calendar

Topics are named without the deployment's namespace; KAFKA_TOPIC_PREFIX (from the settings)
is put in front, as the services do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from tqdm import tqdm

from services.ledger.adapters import digest, recording
from services.ledger.adapters.calendar_tables import load_schedule
from services.ledger.adapters.topic_reader import read_to_end
from services.ledger.entrypoints.consumers import INPUT_TOPICS
from services.ledger.service_layer.rebuild import rebuild
from shared.events.topics import LEDGER_JOURNAL, VISITS, set_namespace
from shared.kafka import make_producer
from shared.migrations import upgrade
from shared.settings import ServiceSettings

Command = Callable[[ServiceSettings, list[str]], int]
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------------- rebuild, verify
async def compare(live: str, rebuilt: str) -> dict[str, Any]:
    backlog = await digest.journal_backlog(live)
    ours, theirs = await digest.digests(live), await digest.digests(rebuilt)
    differing = sorted(t for t in ours["tables"] if ours["tables"][t] != theirs["tables"][t])
    equal = ours["state_hash"] == theirs["state_hash"] and not differing
    return {"equal": equal, "live": ours, "rebuilt": theirs, "tables_differing": differing,
            "live_journal_backlog": backlog}


def rebuild_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.ledger rebuild")
    parser.add_argument("--into", required=True, help="a fresh database (created if missing)")
    parser.add_argument("--verify", action="store_true", help="compare with the live database")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes folding the journal's partitions (default: CPU count)")
    args = parser.parse_args(argv)
    set_namespace(settings.kafka_topic_prefix)
    upgrade(MIGRATIONS, args.into)
    target = asyncpg_dsn(args.into)
    empty = asyncio.run(digest.digests(target))
    if any(t["rows"] for t in empty["tables"].values()):
        print("refusing: the target database already holds a ledger", file=sys.stderr)
        return 2
    tqdm.monitor_interval = 0  # no monitor thread while the workers are forked
    with tqdm(desc="rebuild", unit="ev", file=sys.stderr, mininterval=0.5) as bar:
        report = rebuild(settings.kafka_bootstrap_servers, LEDGER_JOURNAL.name, VISITS.name,
                         target, workers=args.workers, progress=bar.update)
    _emit({"rebuild": report.as_dict()})
    if not args.verify:
        return 0
    result = asyncio.run(compare(settings.asyncpg_dsn, target))
    _emit(result)
    return 0 if result["equal"] else 1


def verify_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.ledger verify")
    parser.add_argument("--against", required=True, help="the rebuilt database")
    args = parser.parse_args(argv)
    set_namespace(settings.kafka_topic_prefix)
    result = asyncio.run(compare(settings.asyncpg_dsn, asyncpg_dsn(args.against)))
    _emit(result)
    if result["live_journal_backlog"]:
        print("the live database has journal entries not yet published: verify again later",
              file=sys.stderr)
    return 0 if result["equal"] else 1


# ---------------------------------------------------------------------------- record, replay
def _topics(text: str | None) -> list[str]:
    if not text:
        return [t.base for t in INPUT_TOPICS]
    return [t.strip() for t in text.split(",") if t.strip()]


async def record_topics(bootstrap: str, namespace: str, topics: list[str], out: Path) -> int:
    lines = []
    async for batch in read_to_end(bootstrap, [f"{namespace}{t}" for t in topics]):
        lines += [recording.record_line(r, namespace) for r in batch]
    lines.sort(key=lambda x: (x["timestamp"], x["topic"], x["partition"], x["offset"]))
    with out.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(lines)


def record_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.ledger record")
    parser.add_argument("--topics", help="comma-separated, default: the ledger's input topics")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    count = asyncio.run(record_topics(settings.kafka_bootstrap_servers,
                                      settings.kafka_topic_prefix, _topics(args.topics), args.out))
    _emit({"recorded": count, "out": str(args.out)})
    return 0


async def replay_file(bootstrap: str, namespace: str, path: Path, speed: float,
                      topics: list[str] | None = None, progress: bool = True) -> int:
    records = list(recording.read_lines(path, topics))
    producer = make_producer(bootstrap, "ledger-replay")
    await producer.start()
    try:
        with tqdm(total=len(records), desc="replay", unit="rec", file=sys.stderr,
                  disable=not progress) as bar:
            return await recording.replay(producer, records, namespace, speed, bar.update)
    finally:
        await producer.stop()


def replay_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.ledger replay")
    parser.add_argument("--in", dest="path", required=True, type=Path)
    parser.add_argument("--speed", type=float, default=1.0,
                        help="how many times faster than recorded; 0 = as fast as possible")
    parser.add_argument("--topics", help="only these topics of the recording")
    args = parser.parse_args(argv)
    if args.speed < 0:
        parser.error("--speed must be >= 0")
    count = asyncio.run(replay_file(
        settings.kafka_bootstrap_servers, settings.kafka_topic_prefix, args.path, args.speed,
        _topics(args.topics) if args.topics else None))
    _emit({"replayed": count, "namespace": namespace_label(settings)})
    return 0


def namespace_label(settings: ServiceSettings) -> str:
    return settings.kafka_topic_prefix or "(none)"


# ---------------------------------------------------------------------------- calendar
def calendar_command(settings: ServiceSettings, argv: list[str]) -> int:
    """Check the operator's holiday tables (data/calendar/<year>.json) and show them."""
    folder = Path(getattr(settings, "calendar_dir", "data/calendar"))
    files = sorted(folder.glob("[0-9][0-9][0-9][0-9].json"))
    for path in files:
        schedule = load_schedule(path)
        _emit({"year": schedule.year, "source": schedule.source,
               "days_off": sorted(d.isoformat() for d in schedule.holidays),
               "make_up_workdays": sorted(d.isoformat() for d in schedule.workdays)})
    if not files:
        _emit({"calendar_dir": str(folder), "tables": 0})
    return 0


def commands() -> dict[str, Command]:
    return {"rebuild": rebuild_command, "verify": verify_command, "record": record_command,
            "replay": replay_command, "calendar": calendar_command}
