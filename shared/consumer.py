"""The idempotent consumer loop every service uses.

For each record, in ONE database transaction: record (consumer, ce_source, ce_id) in
`processed_events` (a duplicate is skipped), apply the handler's effect, and store the partition's
next offset in `consumer_positions`. Only after that transaction commits is the offset committed to
Kafka. A crash in between replays the record, which the processed-event row turns into a no-op.

On assignment the consumer seeks to the position stored in the database, so the database, not
Kafka's committed offset, is the truth about what was applied. A batch from one partition is
applied in one transaction for throughput; if it fails, the records are retried one by one with
bounded backoff, and a record that still fails (or is malformed) is parked on `<topic>.dlq`
through the outbox, in the same transaction that advances the position: no tight retry loop,
nothing skipped silently.

The processed-event rows of a fetch are written by ONE statement (unnest arrays) whose RETURNING
tells which events are new, and positions by one more: the kit's cost per event stays a fraction
of the handler's. A consumer may also take a `batch_handler`, which receives every new event of
the fetch in order, so a use case that is cheaper done once for many events (one solve for all
problems opened in the fetch) can do so; the atomicity is the same, the fetch's one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.catalog import Payload, parse
from shared.events.envelope import Envelope, MalformedEvent
from shared.events.topics import dead_letter_topic
from shared.faults import failpoint
from shared.outbox.schema import consumer_positions
from shared.outbox.writer import stage_raw
from shared.tracing import child_of, current_traceparent

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, Payload], Awaitable[None]]
OFFSET_COMMIT_INTERVAL_SECONDS = 1.0
Delivery = tuple[Envelope, Payload]
BatchHandler = Callable[[AsyncSession, Sequence[Delivery]], Awaitable[None]]

# One statement for every processed-event row of a fetch, whatever their number (a multi-row
# VALUES would compile anew for each count); RETURNING names the events not seen before.
_RECORD_PROCESSED = sa.text(
    "INSERT INTO processed_events (consumer, event_source, event_id, event_type, topic, partition, "
    '"offset") SELECT :consumer, * FROM unnest(CAST(:sources AS text[]), CAST(:ids AS text[]), '
    "CAST(:types AS text[]), CAST(:topics AS text[]), CAST(:partitions AS int[]), "
    "CAST(:offsets AS bigint[])) ON CONFLICT DO NOTHING RETURNING event_source, event_id"
)
_STORE_POSITIONS = sa.text(
    "INSERT INTO consumer_positions (consumer, topic, partition, next_offset) "
    "SELECT :consumer, * FROM unnest(CAST(:topics AS text[]), CAST(:partitions AS int[]), "
    "CAST(:offsets AS bigint[])) ON CONFLICT (consumer, topic, partition) DO UPDATE "
    "SET next_offset = EXCLUDED.next_offset, updated_at = now()"
)


@contextlib.contextmanager
def in_trace_of(envelope: Envelope) -> Iterator[None]:
    """Run a step in the trace of the event that caused it (log lines, staged events)."""
    token = current_traceparent.set(child_of(envelope.traceparent))
    try:
        yield
    finally:
        current_traceparent.reset(token)


@dataclass
class ConsumerStats:
    processed: int = 0
    skipped_duplicates: int = 0
    dead_lettered: int = 0
    last_progress_monotonic: float = field(default_factory=time.monotonic)
    lag: dict[str, int] = field(default_factory=dict)
    running: bool = False


def is_infrastructure_error(exc: BaseException) -> bool:
    """A failure of the database connection, as opposed to a failure of the record itself."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, (OSError, ConnectionError, InterfaceError, OperationalError, TimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: IdempotentConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Wait for the batch in flight: its transaction and offset commit finish before we let go.
        async with self.owner.processing:
            await self.owner.flush_offsets()

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        await self.owner.seek_to_stored(assigned)


class IdempotentConsumer:
    def __init__(
        self,
        name: str,
        consumer: AIOKafkaConsumer,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        source: str,
        max_retries: int = 3,
        retry_backoff_ms: int = 200,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        self.name = name
        self.consumer = consumer
        self.sessions = sessions
        self.handlers = handlers
        self.source = source
        self.max_retries = max_retries
        self.retry_backoff_ms = retry_backoff_ms
        self.batch_handler = batch_handler
        # Offsets applied but not yet committed to Kafka (see `_commit`).
        self.pending_offsets: dict[TopicPartition, int] = {}
        self.last_offset_commit = 0.0
        self.offset_commit_interval = OFFSET_COMMIT_INTERVAL_SECONDS
        self.processing = asyncio.Lock()
        self.stats = ConsumerStats()
        self.on_dead_letter: Callable[[str, str], None] | None = None

    @property
    def listener(self) -> ConsumerRebalanceListener:
        return _Rebalance(self)

    async def seek_to_stored(self, partitions: Sequence[TopicPartition]) -> None:
        if not partitions:
            return
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    sa.select(consumer_positions.c.topic, consumer_positions.c.partition,
                              consumer_positions.c.next_offset)
                    .where(consumer_positions.c.consumer == self.name)
                )
            ).all()
        stored = {(r.topic, r.partition): r.next_offset for r in rows}
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is not None:
                self.consumer.seek(tp, offset)

    async def run(self, stop: asyncio.Event) -> None:
        self.stats.running = True
        try:
            while not stop.is_set():
                # With offsets still to commit, wait less: an idle moment commits them.
                idle_ms = 100 if self.pending_offsets else 500
                batch = await self.consumer.getmany(timeout_ms=idle_ms, max_records=500)
                if not batch:
                    self.stats.last_progress_monotonic = time.monotonic()
                    async with self.processing:
                        await self.flush_offsets()
                    continue
                async with self.processing:
                    assigned = self.consumer.assignment()
                    # Revoked while we fetched: its new owner reads it from the stored position.
                    live = {tp: recs for tp, recs in batch.items() if tp in assigned and recs}
                    try:
                        await self._process_batch(live)
                    except Exception:
                        # The database is unreachable: not the records' fault. Rewind and wait.
                        log.exception("infrastructure failure; rewinding")
                        for tp, records in live.items():
                            self.consumer.seek(tp, records[0].offset)
                        await asyncio.sleep(1.0)
                        continue
                    await self._commit({tp: recs[-1].offset + 1 for tp, recs in live.items()})
                await self._update_lag()
            async with self.processing:
                await self.flush_offsets()
        finally:
            self.stats.running = False

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Kafka's committed offset is only a hint (on assignment the consumer seeks to the
        position stored in the database), so it is committed at most once per interval rather
        than after every fetch: under load that saves the broker and this process a round trip
        per batch, and a crash in between costs a replay the processed-event rows absorb."""
        failpoint("consumer.after_db_commit")
        self.pending_offsets.update(offsets)
        if time.monotonic() - self.last_offset_commit >= self.offset_commit_interval:
            await self.flush_offsets()

    async def flush_offsets(self) -> None:
        if not self.pending_offsets:
            return
        offsets, self.pending_offsets = self.pending_offsets, {}
        self.last_offset_commit = time.monotonic()
        assigned = self.consumer.assignment()
        offsets = {tp: o for tp, o in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # The database already holds the position; a lost Kafka commit only costs a replay.
            log.warning("offset commit failed; the stored position covers it", extra={"error": str(exc)})

    async def _update_lag(self) -> None:
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            with contextlib.suppress(IllegalStateError):
                position = await self.consumer.position(tp)
                self.stats.lag[f"{tp.topic}:{tp.partition}"] = max(0, high - position)

    async def _process_batch(self, batch: Mapping[TopicPartition, Sequence[Any]]) -> None:
        """Everything fetched, in one transaction (one commit, however many partitions); on a
        record's failure, partition by partition and record by record."""
        try:
            async with self.sessions() as session, session.begin():
                await self._apply(session, [r for records in batch.values() for r in records])
                await self._store_positions(
                    session, {tp: records[-1].offset + 1 for tp, records in batch.items()})
            self._progress(sum(len(r) for r in batch.values()))
            return
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise
            log.warning("batch failed; retrying its records one by one", exc_info=True)
        for tp, records in batch.items():
            for record in records:
                await self._process_one(tp, record)

    async def _process_one(self, tp: TopicPartition, record: Any) -> None:
        error: Exception | None = None
        for attempt in range(self.max_retries):
            try:
                async with self.sessions() as session, session.begin():
                    await self._apply(session, [record])
                    await self._store_positions(session, {tp: record.offset + 1})
                self._progress(1)
                return
            except Exception as exc:
                if is_infrastructure_error(exc):
                    raise
                error = exc
                delay = self.retry_backoff_ms * (2**attempt) / 1000
                log.warning("handler failed", extra={"attempt": attempt + 1, "error": repr(exc)})
                await asyncio.sleep(delay)
        async with self.sessions() as session, session.begin():
            await self._dead_letter(session, record, "handler_failed", repr(error))
            await self._store_positions(session, {tp: record.offset + 1})
        self._progress(1)

    async def _apply(self, session: AsyncSession, records: Sequence[Any]) -> None:
        """Park the malformed, record the rest as processed, hand the new ones to the handlers."""
        parsed: list[tuple[Any, Envelope, Payload]] = []
        seen: set[tuple[str, str]] = set()
        for record in records:
            try:
                envelope = Envelope.from_record(record.headers, record.value)
                payload = parse(envelope)
            except MalformedEvent as bad:
                await self._dead_letter(session, record, bad.code, bad.reason)
                continue
            if (envelope.source, envelope.id) in seen:
                self.stats.skipped_duplicates += 1  # the same event twice in one fetch
                continue
            seen.add((envelope.source, envelope.id))
            parsed.append((record, envelope, payload))
        if not parsed:
            return
        inserted = (await session.execute(_RECORD_PROCESSED, {
            "consumer": self.name,
            "sources": [e.source for _, e, _ in parsed], "ids": [e.id for _, e, _ in parsed],
            "types": [e.type for _, e, _ in parsed], "topics": [r.topic for r, _, _ in parsed],
            "partitions": [r.partition for r, _, _ in parsed],
            "offsets": [r.offset for r, _, _ in parsed],
        })).all()
        new_keys = {(row.event_source, row.event_id) for row in inserted}
        new = [(e, p) for _, e, p in parsed if (e.source, e.id) in new_keys]
        self.stats.skipped_duplicates += len(parsed) - len(new)
        if self.batch_handler is not None:
            if new:
                await self.batch_handler(session, new)
            return
        for envelope, payload in new:
            handler = self.handlers.get(envelope.type)
            if handler is None:
                continue  # an event type this consumer has no business with
            with in_trace_of(envelope):
                await handler(session, envelope, payload)

    async def _store_positions(self, session: AsyncSession, positions: Mapping[TopicPartition, int]
                               ) -> None:
        await session.execute(_STORE_POSITIONS, {
            "consumer": self.name, "topics": [tp.topic for tp in positions],
            "partitions": [tp.partition for tp in positions], "offsets": list(positions.values()),
        })

    async def _dead_letter(self, session: AsyncSession, record: Any, code: str, reason: str) -> None:
        self.stats.dead_lettered += 1
        if self.on_dead_letter:
            self.on_dead_letter(record.topic, code)
        log.error("event parked on the dead-letter topic",
                  extra={"topic": record.topic, "partition": record.partition,
                         "offset": record.offset, "code": code})
        headers = [
            *(record.headers or ()),
            ("dlq_code", code.encode()),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        await stage_raw(
            session,
            event_type="dead_letter",
            aggregate_type="dead_letter",
            topic=dead_letter_topic(record.topic),
            key=(record.key or b"").decode("utf-8", "backslashreplace"),
            event_id=f"{self.name}:{record.topic}:{record.partition}:{record.offset}",
            value=record.value or b"",
            headers=headers,
            # A record read again (a rewind after a lost commit acknowledgement, a replay) is parked
            # already; failing on the duplicate would stop the partition for good.
            if_absent=True,
        )

    def _progress(self, count: int) -> None:
        self.stats.processed += count
        self.stats.last_progress_monotonic = time.monotonic()

    def stalled(self, stall_seconds: float) -> bool:
        """Behind and not moving: lag exists and nothing was applied for `stall_seconds`."""
        idle = time.monotonic() - self.stats.last_progress_monotonic
        return (not self.stats.running) or (sum(self.stats.lag.values()) > 0 and idle > stall_seconds)
