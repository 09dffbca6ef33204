"""Intake's commands besides migrate and serve:

    python -m services.intake import FILE [--dry-run] [--format jsonl|csv] [--channel C] [--caller NAME]
    python -m services.intake rotate-keys
    python -m services.intake import-divisions DIR [--prefix P]
    python -m services.intake relay

`import` stores straight into intake's database through the same group committer as the HTTP
API (the running service's relay publishes the events); `rotate-keys` re-seals every reporter's
contact with the current key; `import-divisions` checks a province's official division files
and copies them where the service loads its registry from; `relay` publishes the outbox on its
own (entrypoints/relay.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from services.intake.bootstrap import protector
from services.intake.domain.bulk import BulkFileError
from services.intake.domain.division_csv import division_files, load_registry, province_prefixes
from services.intake.domain.divisions import DivisionDataError, DivisionLevel
from services.intake.domain.protection.sealing import SealError
from services.intake.domain.vocabulary import Channel
from services.intake.entrypoints.relay import relay_command
from services.intake.service_layer.bulk import FORMATS, import_rows, parse_file
from services.intake.service_layer.group_commit import GroupCommitter
from services.intake.service_layer.rotate import reseal_all
from services.intake.service_layer.store import StoreContext, store_batch
from services.intake.settings import IntakeSettings
from shared.db import make_engine
from shared.events.topics import set_namespace
from shared.settings import ServiceSettings

CLI_CALLER = "intake-cli"


def _settings(settings: ServiceSettings) -> IntakeSettings:
    return settings if isinstance(settings, IntakeSettings) else IntakeSettings()


def import_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake import")
    parser.add_argument("file", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="validate and compare; store nothing")
    parser.add_argument("--format", choices=FORMATS, help="default: from the file extension")
    parser.add_argument("--channel", choices=[c.value for c in Channel],
                        help="JSONL rows are this channel's native records")
    parser.add_argument("--caller", default=CLI_CALLER, help="recorded as the submitting system")
    args = parser.parse_args(argv)
    fmt = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "jsonl")
    try:
        report = asyncio.run(_import(_settings(settings), args.file, fmt, args))
    except BulkFileError as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return 2
    for row in report.rows:
        if row.status in ("rejected", "failed"):
            print(json.dumps(row.as_dict(), ensure_ascii=False))
    print(json.dumps({"dry_run": report.dry_run, "summary": report.summary()}, ensure_ascii=False))
    return 0 if report.summary()["failed"] == 0 else 1


async def _import(s: IntakeSettings, path: Path, fmt: str, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    set_namespace(s.kafka_topic_prefix)
    registry = load_registry(s.divisions_dir)
    raw = await asyncio.to_thread(path.read_bytes)
    rows = parse_file(raw, fmt, registry, now=datetime.now(UTC),
                      channel=Channel(args.channel) if args.channel else None)
    engine = make_engine(s.database_url, pool_size=4)
    ctx = StoreContext(registry)
    group = GroupCommitter(engine, lambda conn, batch: store_batch(conn, batch, ctx),
                           window_seconds=0, max_batch=s.import_chunk_rows, in_flight=1)
    stop = asyncio.Event()
    loop = asyncio.create_task(group.run(stop))
    await asyncio.sleep(0)  # let the committer start before the first submission
    total = max(0, raw.count(b"\n") - (1 if fmt == "csv" else 0))
    try:
        with tqdm(total=total, unit="row", desc="导入", file=sys.stderr) as bar:
            return await import_rows(
                rows, caller=args.caller, protector=protector(s), committer=group, engine=engine,
                dry_run=args.dry_run, chunk=s.import_chunk_rows, progress=bar.update,
            )
    finally:
        stop.set()
        await loop
        await engine.dispose()


def rotate_keys_command(settings: ServiceSettings, argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m services.intake rotate-keys").parse_args(argv)
    s = _settings(settings)

    async def run() -> int:
        engine = make_engine(s.database_url, pool_size=2)
        try:
            return await reseal_all(engine, s.reporter_key_ring())
        finally:
            await engine.dispose()

    try:
        count = asyncio.run(run())
    except SealError as exc:
        print(f"rotation stopped: {exc} (put the old key back in REPORTER_KEYS)", file=sys.stderr)
        return 1
    print(json.dumps({"resealed": count, "current_key": s.reporter_key_ring().current}))
    return 0


def import_divisions_command(settings: ServiceSettings, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake import-divisions")
    parser.add_argument("directory", type=Path, help="the official files, e.g. guangdong_*.csv")
    parser.add_argument("--prefix", action="append", help="province prefix(es); default: every complete set")
    args = parser.parse_args(argv)
    target = _settings(settings).divisions_dir
    prefixes = args.prefix or province_prefixes(args.directory)
    try:
        registry = load_registry(args.directory, prefixes)  # refuses inconsistent files
        files = [path for p in prefixes for path in division_files(args.directory, p).values()]
    except DivisionDataError as exc:
        print(f"division files refused: {exc}", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        if path.resolve().parent != target.resolve():
            shutil.copy2(path, target / path.name)
    counts = {level.value: registry.count(level) for level in DivisionLevel}
    print(json.dumps({"prefixes": prefixes, "into": str(target), "counts": counts}, ensure_ascii=False))
    return 0


COMMANDS: dict[str, Callable[[ServiceSettings, list[str]], int]] = {
    "import": import_command,
    "rotate-keys": rotate_keys_command,
    "import-divisions": import_divisions_command,
    "relay": relay_command,
}
