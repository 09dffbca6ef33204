"""The far side of notify, as real local servers: calling systems' webhook endpoints, an SMS
gateway, intake's reporter-contact endpoint (one HTTP server), and an SMTP server (aiosmtpd).

The webhook receiver and the gateway are the provider tests' (signature checks, replay cache,
deduplication by key, effects counted apart from requests); this adds intake and timestamps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.integration.notify_providers.servers import (
    Captured,
    Mailbox,
    SmsGateway,
    WebhookReceiver,
    serve_http,
    serve_smtp,
)

NOTIFY_TOKEN = "demo-notify-token"  # notify's demo token at intake (scope reporters:contact:read)


class Receiver(WebhookReceiver):
    """Calling systems; an endpoint nobody registered a secret for answers 410 Gone (final)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, bytes]] = []  # wall clock, body

    def for_hook(self, name: str) -> list[Captured]:
        with self.lock:
            return [r for r in self.requests if r.path == f"/hooks/{name}"]

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.arrivals.append((time.time(), body))
        if request.path_params["name"] not in self.secrets:
            return JSONResponse({"error": "gone"}, 410)
        return await super().handle(request)


class Gateway(SmsGateway):
    """The SMS gateway, noting when each request arrived (to check the rate limit)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, bytes]] = []

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.arrivals.append((time.monotonic(), body))
        return await super().handle(request)


@dataclass
class Intake:
    """intake's GET /internal/reporters/{ref}/contact, with an audit of every read."""

    contacts: dict[str, dict[str, str | None]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if request.headers.get("authorization") != f"Bearer {NOTIFY_TOKEN}":
            return JSONResponse({"error": {"code": "invalid_credentials"}}, 401)
        with self.lock:
            self.reads.append(ref)
            contact = self.contacts.get(ref)
        if contact is None:
            return JSONResponse({"error": {"code": "reporter_not_found"}}, 404)
        return JSONResponse({"name": None, "phone": None, "email": None, **contact})


@dataclass
class Far:
    url: str
    receiver: Receiver
    gateway: Gateway
    intake: Intake
    mailbox: Mailbox
    smtp_host: str
    smtp_port: int

    def hook_url(self, name: str) -> str:
        return f"{self.url}/hooks/{name}"


@contextmanager
def far_side() -> Iterator[Far]:
    receiver, gateway, intake, mailbox = Receiver(), Gateway(), Intake(), Mailbox()
    app = Starlette(routes=[
        Route("/hooks/{name}", receiver.handle, methods=["POST"]),
        Route("/v1/messages", gateway.handle, methods=["POST"]),
        Route("/internal/reporters/{ref}/contact", intake.handle, methods=["GET"]),
    ])
    with serve_http(app) as url, serve_smtp(mailbox) as (host, port):
        yield Far(url, receiver, gateway, intake, mailbox, host, port)
