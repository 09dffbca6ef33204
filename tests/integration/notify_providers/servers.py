"""Real local servers for provider tests: a webhook receiver, an SMS gateway, an SMTP server.

The receiver and the gateway behave like the far side of our contracts: the receiver verifies
signatures with the published scheme and deduplicates on Idempotency-Key; the gateway
deduplicates on client_ref. Both count *effects* (first sightings of a key) separately from
requests, which is what the sent-once checks read. Scripted answers (`script`) let a test
make the next requests fail in a chosen way.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.notify.domain.signing import InMemoryReplayCache, SignatureError, verify


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


class _Far:
    """State shared between the server thread and the test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Captured] = []
        self.effects: Counter[str] = Counter()
        self.script: dict[str, list[Scripted]] = {}

    def next_scripted(self, name: str) -> Scripted | None:
        with self.lock:
            queue = self.script.get(name)
            return queue.pop(0) if queue else None

    def first_sighting(self, key: str) -> bool:
        with self.lock:
            seen = key in self.effects
            if not seen:
                self.effects[key] += 1
            return not seen

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.effects.clear()
            self.script.clear()


def _scripted_response(scripted: Scripted) -> Response:
    if scripted.json is not None:
        return JSONResponse(scripted.json, scripted.status, headers=scripted.headers)
    return Response(status_code=scripted.status, headers=scripted.headers)


class WebhookReceiver(_Far):
    """POST /hooks/{name}: a calling system that checks our signatures."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, list[str]] = {}
        self.replay_cache = InMemoryReplayCache()
        self.rejections: list[str] = []

    async def handle(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        with self.lock:
            self.requests.append(Captured(request.url.path, dict(request.headers), body))
        scripted = self.next_scripted(name)
        if scripted is not None:
            return _scripted_response(scripted)
        try:
            with self.lock:  # the replay cache is not thread-safe on its own
                verify(
                    request.headers,
                    body,
                    self.secrets[name],
                    datetime.now(UTC),
                    replay_cache=self.replay_cache,
                )
        except SignatureError as exc:
            self.rejections.append(exc.reason)
            return JSONResponse({"error": exc.reason}, 401)
        key = request.headers["Idempotency-Key"]
        if not self.first_sighting(key):
            return JSONResponse({"duplicate": True}, 409)
        return JSONResponse({"ok": True}, 200)

    def reset(self) -> None:
        super().reset()
        self.secrets.clear()
        self.replay_cache = InMemoryReplayCache()
        self.rejections.clear()


class SmsGateway(_Far):
    """POST /v1/messages: an SMS gateway with client_ref deduplication."""

    API_KEY = "gw-test-key"

    def __init__(self) -> None:
        super().__init__()
        self.invalid_numbers: set[str] = set()
        self.texts: dict[str, str] = {}

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.requests.append(Captured(request.url.path, dict(request.headers), body))
        if request.headers.get("authorization") != f"Bearer {self.API_KEY}":
            return JSONResponse({"code": "unauthorised"}, 401)
        scripted = self.next_scripted("sms")
        if scripted is not None:
            return _scripted_response(scripted)
        data = await request.json()
        if data["to"] in self.invalid_numbers:
            return JSONResponse({"code": "invalid_number"}, 400)
        ref = data["client_ref"]
        message_id = f"gw-{ref[:8]}"
        if not self.first_sighting(ref):
            return JSONResponse({"status": "duplicate", "message_id": message_id}, 200)
        with self.lock:
            self.texts[ref] = data["text"]
        return JSONResponse({"status": "accepted", "message_id": message_id}, 202)

    def reset(self) -> None:
        super().reset()
        self.invalid_numbers.clear()
        self.texts.clear()


@dataclass
class FarSide:
    url: str
    receiver: WebhookReceiver
    gateway: SmsGateway


def far_side_app(receiver: WebhookReceiver, gateway: SmsGateway) -> Starlette:
    return Starlette(
        routes=[
            Route("/hooks/{name}", receiver.handle, methods=["POST"]),
            Route("/v1/messages", gateway.handle, methods=["POST"]),
        ]
    )


@contextmanager
def serve_http(app: Starlette) -> Iterator[str]:
    """uvicorn on 127.0.0.1 with a port the kernel picks, in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()
    for _ in range(500):
        if server.started:
            ready.set()
            break
        threading.Event().wait(0.01)
    if not ready.is_set():
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Mailbox:
    """aiosmtpd handler: refuses chosen recipients with a chosen reply, keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_smtp(mailbox: Mailbox) -> Iterator[tuple[str, int]]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port
    finally:
        controller.stop()
