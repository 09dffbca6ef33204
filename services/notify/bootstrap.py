"""Composition root of the notify service: settings → runtime (consumer + sender) → app."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from urllib.request import getproxies

import httpx
from fastapi import FastAPI

from services.notify.adapters.intake_contacts import IntakeContacts
from services.notify.adapters.providers.lean_http import LeanTransport
from services.notify.adapters.providers.registry import build_providers
from services.notify.adapters.secret_box import SecretBox
from services.notify.adapters.subscription_store import SubscriptionStore
from services.notify.domain.retry import RetryPolicy
from services.notify.entrypoints.consumers import consumer_specs
from services.notify.entrypoints.http import routers
from services.notify.entrypoints.http.deps import NotifyServices
from services.notify.service_layer.addresses import AddressBook
from services.notify.service_layer.plan import Planner
from services.notify.service_layer.sender import Sender
from services.notify.service_layer.subscriptions import Subscriptions
from services.notify.settings import NotifySettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def retry_policy(s: NotifySettings) -> RetryPolicy:
    base = timedelta(seconds=s.retry_base_seconds)
    return RetryPolicy(max_attempts=s.sender_max_attempts, base=base,
                       cap=max(base, timedelta(seconds=s.retry_cap_seconds)))


def webhook_client(s: NotifySettings, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """Over the lean transport (a third of httpcore's CPU per webhook), unless the environment
    names a proxy: httpx honours HTTP(S)_PROXY only with its own transport."""
    keepalive = min(s.webhook_keepalive_connections, s.webhook_max_connections)
    if getproxies():
        return httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(
            max_connections=s.webhook_max_connections, max_keepalive_connections=keepalive))
    return httpx.AsyncClient(timeout=timeout, transport=LeanTransport(
        max_connections=s.webhook_max_connections, keepalive_connections=keepalive))


def build_app(settings: ServiceSettings | None = None) -> FastAPI:
    s = settings if isinstance(settings, NotifySettings) else NotifySettings()
    store = SubscriptionStore(SecretBox(s.secret_keys))
    policy = retry_policy(s)
    runtime = Runtime.build(s, consumer_specs=consumer_specs(Planner(s, store, policy)))
    # One client for the SMS gateway and intake, one for calling systems' endpoints (their own
    # connection cap; waiting for a connection counts against the lease, not the send timeout).
    timeout = httpx.Timeout(s.http_timeout_seconds, connect=min(3.0, s.http_timeout_seconds),
                            pool=s.sender_lease_seconds / 2)
    client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=100))
    hooks = webhook_client(s, timeout)
    sender = Sender(
        s, runtime.sessions, build_providers(s, client, hooks),
        AddressBook(s, store, IntakeContacts(client, s.intake_url, s.intake_token)),
        policy, registry=runtime.registry,
    )

    async def send_until_stopped(stop: asyncio.Event) -> None:
        try:
            await sender.run(stop)
        finally:
            await client.aclose()
            await hooks.aclose()

    runtime.background.append(send_until_stopped)
    app = create_app(
        runtime,
        title="Notify 通知",
        description=(
            "Signed status webhooks for calling systems (状态回调), SMS and email to officers and county "
            "commissions, legal notices to reporters (受理告知/结果告知); each sent once per "
            "(event, recipient, channel)."
        ),
        routers=routers,
    )
    app.state.notify = NotifyServices(
        sessions=runtime.sessions,
        subscriptions=Subscriptions(runtime.sessions, store, s.http_webhooks_allowed),
    )
    return app
