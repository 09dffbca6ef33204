"""Rebuild (重建): the ledger's state from its journal topic, offset 0 on, through the domain's
fold, into a fresh database; then the same rows as the live database, which `verify` checks.

The fold happens in memory (an aggregate's events are on one partition, in order); the rows are
written once at the end, the journal in chunks on the way (on a second connection, while the
fold goes on), all with COPY. A record the relay
published twice (it publishes at least once) has a sequence already seen and is skipped; a gap
in an aggregate's sequence is an error, never papered over.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.ledger.adapters import bulk
from services.ledger.adapters.bulk import RawJson
from services.ledger.adapters.journal import EntryHeaders, decode_item, parse_headers
from services.ledger.adapters.records import ComplaintLinked, ThemeSet
from services.ledger.adapters.topic_reader import partitions_of, read_to_end
from services.ledger.domain.class_of_case import ClassOfCase, ClassOfCaseEvent, apply_class
from services.ledger.domain.events import ProblemEvent
from services.ledger.domain.problem import Problem, apply
from services.ledger.domain.serialization import state_json
from services.ledger.service_layer.intake_events import visit_values
from services.ledger.service_layer.projection import (
    ProblemMeta,
    apply_record,
    class_values,
    problem_values,
    report_values,
    theme_values,
)
from shared.events.catalog import VisitLogged, parse
from shared.events.envelope import Envelope, MalformedEvent

JOURNAL_CHUNK = 50_000
BULK_TABLES = ("ledger_events", "problems", "problem_reports")


class JournalGap(ValueError):
    """An aggregate's journal skips a sequence number: the topic lost a record."""


@dataclass
class Folded:
    """The aggregates and rows folded so far, plus journal rows not written yet."""

    problems: dict[str, Problem] = field(default_factory=dict)
    metas: dict[str, ProblemMeta] = field(default_factory=dict)
    cases: dict[str, ClassOfCase] = field(default_factory=dict)
    themes: dict[str, tuple[ThemeSet, int]] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    seqs: dict[str, int] = field(default_factory=dict)
    first_at: dict[str, datetime] = field(default_factory=dict)
    last_at: dict[str, datetime] = field(default_factory=dict)
    journal_rows: list[tuple[Any, ...]] = field(default_factory=list)
    records: int = 0
    duplicates: int = 0

    def feed(self, h: EntryHeaders, value: bytes) -> None:
        last = self.seqs.get(h.aggregate_id, 0)
        if h.seq <= last:
            self.duplicates += 1
            return
        if h.seq != last + 1:
            raise JournalGap(f"{h.aggregate_id}: sequence {h.seq} after {last}")
        self.seqs[h.aggregate_id] = h.seq
        self.records += 1
        item = decode_item(h.record_type, value)
        aid = h.aggregate_id
        if isinstance(item, ProblemEvent):
            self.problems[aid] = apply(self.problems.get(aid), item)
        elif isinstance(item, ClassOfCaseEvent):
            self.cases[aid] = apply_class(self.cases.get(aid), item)
        elif isinstance(item, ThemeSet):
            self.themes[aid] = (item, h.seq)
        else:
            self.metas[aid] = apply_record(self.metas.get(aid), item)
            if isinstance(item, ComplaintLinked):
                self.reports.append(report_values(item))
        self.first_at.setdefault(aid, item.at)
        self.last_at[aid] = item.at
        self.journal_rows.append((aid, h.seq, h.aggregate_type, h.event_id, h.record_type,
                                  h.command_id, h.action, item.actor, item.at, value.decode()))

    def take_journal_rows(self) -> list[tuple[Any, ...]]:
        rows, self.journal_rows = self.journal_rows, []
        return rows

    def problem_rows(self) -> Iterator[dict[str, Any]]:
        for pid, problem in self.problems.items():
            meta = self.metas.get(pid)
            if meta is None:
                raise JournalGap(f"problem {pid} has events but was never indexed")
            yield problem_values(problem, meta, self.seqs[pid], self.last_at[pid],
                                 state=RawJson(state_json(problem).decode()))

    def class_rows(self) -> Iterator[dict[str, Any]]:
        for cid, case in self.cases.items():
            yield class_values(case, self.seqs[cid], self.first_at[cid], self.last_at[cid],
                               state=RawJson(state_json(case).decode()))

    def theme_rows(self) -> Iterator[dict[str, Any]]:
        for record, seq in self.themes.values():
            yield theme_values(record, seq)


@dataclass
class RebuildReport:
    journal_records: int
    duplicates_skipped: int
    visits: int
    problems: int
    class_cases: int
    themes: int
    workers: int
    read_fold_seconds: float
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def write_seconds(self) -> float:
        """What writing added after the last fold finished."""
        return self.seconds - self.read_fold_seconds

    def as_dict(self) -> dict[str, Any]:
        rate = self.journal_records / self.seconds if self.seconds else 0.0
        return {**vars(self), "seconds": round(self.seconds, 3),
                "read_fold_seconds": round(self.read_fold_seconds, 3),
                "write_seconds": round(self.write_seconds, 3), "events_per_second": round(rate)}


@dataclass
class ShareReport:
    """What one worker folded and wrote: the aggregates of its partitions."""

    records: int
    duplicates: int
    problems: int
    class_cases: int
    themes: int
    read_fold_seconds: float
    started: float  # wall-clock times (time.time), comparable across processes
    folded: float
    written: float
    cpu_seconds: float  # this worker's own CPU time (contention shows as wall time, not here)


def visit_rows(batch: list[Any], seen: set[str]) -> list[dict[str, Any]]:
    """Visit logs as the consumer stores them (first copy of a visit id wins)."""
    out = []
    for record in batch:
        try:
            payload = parse(Envelope.from_record(record.headers, record.value))
        except MalformedEvent:
            continue  # the live consumer parks these on the dead-letter topic
        if isinstance(payload, VisitLogged) and payload.visit_id not in seen:
            seen.add(payload.visit_id)
            out.append(visit_values(payload))
    return out


async def _copy_journal(writer: bulk.Writer, chunks: asyncio.Queue[list[tuple[Any, ...]] | None]
                        ) -> None:
    while (rows := await chunks.get()) is not None:
        await writer.journal(rows)


async def fold_share(bootstrap: str, journal_topic: str, partitions: list[int] | None, dsn: str,
                     progress: Callable[[int], None] | None = None) -> ShareReport:
    """Fold the aggregates of some partitions of the journal (all: None) and write them. The
    journal rows are copied on a second connection while the fold goes on, so PostgreSQL works
    on them on its own core in the meantime."""
    folded = Folded()
    started, wall, cpu = time.perf_counter(), time.time(), time.process_time()
    chunks: asyncio.Queue[list[tuple[Any, ...]] | None] = asyncio.Queue(maxsize=4)
    async with bulk.Writer(dsn) as journal_writer, bulk.Writer(dsn) as writer:
        copier = asyncio.create_task(_copy_journal(journal_writer, chunks))
        try:
            async for batch in read_to_end(bootstrap, [journal_topic], partitions=partitions):
                for record in batch:
                    folded.feed(parse_headers(record.headers), record.value)
                if progress is not None:
                    progress(len(batch))
                if len(folded.journal_rows) >= JOURNAL_CHUNK:
                    await chunks.put(folded.take_journal_rows())
            await chunks.put(folded.take_journal_rows())
            await chunks.put(None)
            read_fold = time.perf_counter() - started
            folded_at = time.time()
            await writer.rows("problems", folded.problem_rows())
            await writer.rows("problem_reports", iter(folded.reports))
            await writer.rows("class_cases", folded.class_rows())
            await writer.rows("themes", folded.theme_rows())
            await copier
        finally:
            copier.cancel()
    return ShareReport(records=folded.records, duplicates=folded.duplicates,
                       problems=len(folded.problems), class_cases=len(folded.cases),
                       themes=len(folded.themes), read_fold_seconds=read_fold, started=wall,
                       folded=folded_at, written=time.time(),
                       cpu_seconds=time.process_time() - cpu)


def _worker(bootstrap: str, journal_topic: str, partitions: list[int], dsn: str, counter: Any,
            results: Any) -> None:
    """A forked worker process: its own event loop, consumer and connections."""
    def progress(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    try:
        share = asyncio.run(fold_share(bootstrap, journal_topic, partitions, dsn, progress))
        results.put(("ok", share))
    except BaseException:
        results.put(("error", traceback.format_exc()))
        raise


async def _visits(bootstrap: str, visits_topic: str, dsn: str) -> int:
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    async for batch in read_to_end(bootstrap, [visits_topic]):
        rows += visit_rows(batch, seen)
    async with bulk.Writer(dsn) as writer:
        return await writer.rows("visits", iter(rows))


def rebuild(bootstrap: str, journal_topic: str, visits_topic: str, dsn: str, *,
            workers: int = 1, progress: Callable[[int], None] | None = None) -> RebuildReport:
    """Fold the journal (and the visit logs) into the empty database at `dsn`, the journal's
    partitions shared among `workers` processes (an aggregate lives on one partition, so each
    worker folds whole aggregates and writes its own rows).

    Synchronous on purpose: the workers are forked (cheap: nothing to import again) while no
    event loop runs, each then runs its own."""
    started, wall = time.perf_counter(), time.time()
    partitions = asyncio.run(partitions_of(bootstrap, journal_topic))
    workers = max(1, min(workers, len(partitions)))
    deferred = asyncio.run(bulk.drop_indexes(dsn, BULK_TABLES))
    visits: list[int] = []
    try:
        if workers == 1:
            shares = [asyncio.run(fold_share(bootstrap, journal_topic, None, dsn, progress))]
            visits.append(asyncio.run(_visits(bootstrap, visits_topic, dsn)))
        else:
            # The visit logs load here while the workers fold.
            shares = _forked(bootstrap, journal_topic, partitions, dsn, workers, progress,
                             lambda: visits.append(asyncio.run(_visits(bootstrap, visits_topic,
                                                                       dsn))))
        loaded = time.time()
    finally:
        asyncio.run(bulk.restore_indexes(dsn, deferred))
    phases = {  # seconds from the start, for whoever wonders where the time goes
        "workers_started": max(s.started for s in shares) - wall,
        "folded": max(s.folded for s in shares) - wall,
        "written": max(s.written for s in shares) - wall,
        "loaded": loaded - wall, "indexed": time.time() - wall,
        "workers_cpu": sum(s.cpu_seconds for s in shares),
    }
    return RebuildReport(
        journal_records=sum(s.records for s in shares),
        duplicates_skipped=sum(s.duplicates for s in shares), visits=visits[0],
        problems=sum(s.problems for s in shares), class_cases=sum(s.class_cases for s in shares),
        themes=sum(s.themes for s in shares), workers=workers,
        read_fold_seconds=max(s.read_fold_seconds for s in shares),
        seconds=time.perf_counter() - started, phases={k: round(v, 2) for k, v in phases.items()},
    )


def _forked(bootstrap: str, journal_topic: str, partitions: list[int], dsn: str, workers: int,
            progress: Callable[[int], None] | None, meanwhile: Callable[[], None]
            ) -> list[ShareReport]:
    context = multiprocessing.get_context("fork")
    counter, results = context.Value("q", 0), context.Queue()
    processes = [context.Process(target=_worker, name=f"rebuild-{i}", daemon=True, args=(
        bootstrap, journal_topic, partitions[i::workers], dsn, counter, results))
        for i in range(workers)]
    for process in processes:
        process.start()
    shares: list[ShareReport] = []
    meanwhile()
    seen = 0
    try:
        while len(shares) < workers:
            try:
                status, value = results.get(timeout=0.5)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("a rebuild worker died") from None
            else:
                if status != "ok":
                    raise RuntimeError(f"a rebuild worker failed:\n{value}")
                shares.append(value)
            if progress is not None and (now := counter.value) > seen:
                progress(now - seen)
                seen = now
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return shares
