"""The process every service runs: HTTP API, outbox relay and consumers, started and stopped together.

A service's composition root builds a `Runtime` (engine, producer, relay, consumers) and hands it
to `create_app`; the FastAPI lifespan starts the background work and, on SIGTERM, lets the batch in
flight finish, commits, and closes Kafka and the database in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.consumer import BatchHandler, Delivery, Handler, IdempotentConsumer, in_trace_of
from shared.db import make_engine, make_session_factory
from shared.events.catalog import Payload
from shared.events.envelope import Envelope
from shared.events.topics import Topic, namespaced, set_namespace
from shared.http.auth import CallerRegistry
from shared.http.errors import install_error_handlers
from shared.kafka import make_consumer, make_producer
from shared.logs import configure_logging
from shared.outbox.relay import OutboxRelay, count_backlog
from shared.settings import ServiceSettings
from shared.tracing import child_of, current_traceparent

log = logging.getLogger(__name__)
# Polled every few seconds by orchestrators and scrapers: counted in metrics, not logged.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class ConsumerSpec:
    """One consumer group of this service: the topics it reads and a handler per event type."""

    name: str
    topics: list[Topic]
    handlers: Mapping[str, Handler]
    # Optional: every new event of a fetch, in order, in one call (the handlers then only name
    # the event types it deals with, for the topic documentation).
    batch: BatchHandler | None = None


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    consumer_specs: list[ConsumerSpec] = field(default_factory=list)
    background: list[Callable[[asyncio.Event], Awaitable[None]]] = field(default_factory=list)
    run_relay: bool = True
    producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)
    backlog_seen: int | None = None  # the outbox backlog as last counted

    @classmethod
    def build(cls, settings: ServiceSettings, **kwargs: Any) -> Runtime:
        set_namespace(settings.kafka_topic_prefix)
        engine = make_engine(settings.database_url, settings.db_pool_size)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine), **kwargs)

    @property
    def source(self) -> str:
        """CloudEvents `source` of everything this service emits."""
        return f"/supervision/{self.settings.service_name}"

    async def start(self) -> None:
        s = self.settings
        if self.run_relay:
            self.producer = make_producer(s.kafka_bootstrap_servers, f"{s.service_name}-relay")
            await self.producer.start()
            self.relay = OutboxRelay(self.engine, self.producer, s.asyncpg_dsn)
            self._spawn("relay", self.relay.run)
        for spec in self.consumer_specs:
            kafka = make_consumer(
                s.kafka_bootstrap_servers, namespaced(spec.name), f"{spec.name}-{s.instance_id}"
            )
            consumer = IdempotentConsumer(
                spec.name, kafka, self.sessions, traced_handlers(spec.name, spec.handlers), self.source,
                max_retries=s.consumer_max_retries, retry_backoff_ms=s.consumer_retry_backoff_ms,
                batch_handler=traced_batch(spec.name, spec.batch, spec.handlers) if spec.batch else None,
            )
            consumer.on_dead_letter = self._count_dead_letter
            kafka.subscribe([t.name for t in spec.topics], listener=consumer.listener)
            await kafka.start()
            self.consumers.append(consumer)
            self._spawn(spec.name, consumer.run)
        for job in self.background:
            self._spawn(getattr(job, "__name__", "job"), job)

    def _spawn(self, name: str, job: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        async def guarded() -> None:
            try:
                await job(self.stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A dead background task must show in readiness, not vanish.
                log.exception("background task died", extra={"task": name})

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def shutdown(self) -> None:
        self.stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 30)
        for task in self._tasks:
            task.cancel()
        for consumer in self.consumers:
            with contextlib.suppress(Exception):
                await consumer.consumer.stop()
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        await self.engine.dispose()

    async def outbox_backlog(self) -> int:
        """Counted now; also by a process that leaves publishing to a relay process of its own."""
        count = await (self.relay.backlog() if self.relay is not None else count_backlog(self.engine))
        self.backlog_seen = count
        return count

    def tasks_alive(self) -> dict[str, bool]:
        return {t.get_name(): not t.done() for t in self._tasks}

    _dead_letters: Counter | None = None

    def _count_dead_letter(self, topic: str, code: str) -> None:
        if self._dead_letters is not None:
            self._dead_letters.labels(topic=topic, code=code).inc()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if self.producer is not None:
            client = self.producer.client
            checks["kafka"] = "ok" if client.cluster.brokers() else "error: no brokers known"
        for name, alive in self.tasks_alive().items():
            checks[f"task:{name}"] = "ok" if alive else "error: stopped"
        for consumer in self.consumers:
            stalled = consumer.stalled(self.settings.consumer_stall_seconds)
            checks[f"consumer:{consumer.name}"] = (
                "error: stalled" if stalled else f"ok (lag {sum(consumer.stats.lag.values())})"
            )
        return checks


def traced_handlers(consumer: str, handlers: Mapping[str, Handler]) -> dict[str, Handler]:
    """Each handler, followed by one log line in the event's trace: the consumer sets the event's
    traceparent around the handler, so the line carries the trace id of the request that caused it."""

    def traced(handler: Handler) -> Handler:
        async def handle(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
            await handler(session, envelope, payload)
            log.info("event handled", extra={"consumer": consumer, "event_type": envelope.type,
                                              "event_id": envelope.id, "subject": envelope.subject})

        return handle

    return {event_type: traced(handler) for event_type, handler in handlers.items()}


def traced_batch(consumer: str, batch: BatchHandler, handled: Mapping[str, Handler]) -> BatchHandler:
    """A batch handler, followed by the same line per event as `traced_handlers`, each in its
    event's trace, for the event types the consumer names."""

    async def handle(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        await batch(session, deliveries)
        for envelope, _ in deliveries:
            if envelope.type in handled:
                with in_trace_of(envelope):
                    log.info("event handled", extra={"consumer": consumer, "event_type": envelope.type,
                                                      "event_id": envelope.id, "subject": envelope.subject})

    return handle


class TraceAndMeasure:
    """Per request: the trace context (W3C traceparent), one log line, request count and latency."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"traceparent"), None)
        token = current_traceparent.set(child_of(parent))
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            if path not in _PROBES:
                # Inside the request's trace context, so the line carries its trace id.
                log.info("request handled", extra={"method": method, "route": path, "status": status,
                                                    "duration_ms": round(elapsed * 1000, 1)})
            current_traceparent.reset(token)
            self.requests.labels(method, path, str(status)).inc()
            self.latency.labels(method, path).observe(elapsed)


class _RuntimeCollector:
    """Scrape-time gauges: consumer lag, outbox backlog."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterable[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "consumer_lag", "Records behind the log end", labels=["consumer", "partition"]
        )
        processed = GaugeMetricFamily("consumer_processed", "Records applied", labels=["consumer"])
        for c in self.runtime.consumers:
            for part, value in c.stats.lag.items():
                lag.add_metric([c.name, part], value)
            processed.add_metric([c.name], c.stats.processed)
        yield lag
        yield processed
        backlog = GaugeMetricFamily("outbox_backlog", "Outbox rows not yet published (last seen)")
        published = GaugeMetricFamily("outbox_published", "Outbox rows published by this process")
        if self.runtime.relay is not None:
            backlog.add_metric([], self.runtime.relay.stats.backlog)
            published.add_metric([], self.runtime.relay.stats.published)
        elif self.runtime.backlog_seen is not None:
            backlog.add_metric([], self.runtime.backlog_seen)
        yield backlog
        yield published


def create_app(
    runtime: Runtime,
    title: str,
    description: str,
    routers: Iterable[APIRouter] = (),
    version: str = "1.0.0",
) -> FastAPI:
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        log.info("service started", extra={"instance": settings.instance_id})
        try:
            yield
        finally:
            await runtime.shutdown()
            log.info("service stopped")

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.callers = CallerRegistry(settings.callers)
    install_error_handlers(app)

    registry = runtime.registry
    requests = Counter("http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram("http_request_duration_seconds", "HTTP latency", ["method", "route"],
                        registry=registry)
    runtime._dead_letters = Counter("dead_letters", "Records parked on a dead-letter topic",
                                    ["topic", "code"], registry=registry)
    registry.register(_RuntimeCollector(runtime))

    # Plain ASGI, not @app.middleware("http"): the latter wraps every request in extra tasks and
    # streams, which cost a third of a millisecond of CPU per request on the intake's hot path.
    app.add_middleware(TraceAndMeasure, requests=requests, latency=latency)

    @app.get("/healthz", tags=["health"], summary="Alive (存活)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", tags=["health"], summary="Ready: database, Kafka, consumer progress (就绪)")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        with contextlib.suppress(Exception):
            checks["outbox_backlog"] = await runtime.outbox_backlog()
        ok = all(not str(v).startswith("error") for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        # Counted now, not as of the last readiness probe: a scrape must tell the present.
        with contextlib.suppress(Exception):
            await runtime.outbox_backlog()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
