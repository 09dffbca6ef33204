"""Composition root of the notify service: settings → runtime (consumer + sender) → app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notify.entrypoints import http
from services.notify.entrypoints.consumers import consumer_specs
from services.notify.service_layer.plan import Planner
from services.notify.service_layer.sender import Sender
from services.notify.settings import NotifySettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None) -> FastAPI:
    s = settings if isinstance(settings, NotifySettings) else NotifySettings()
    runtime = Runtime.build(s, consumer_specs=consumer_specs(Planner(s)))
    runtime.background.append(Sender(s, runtime.sessions).run)
    return create_app(
        runtime,
        title="Notify 通知",
        description="Signed webhooks, SMS and email to officers, reporters and calling systems; sent once.",
        routers=[http.router],
    )
