"""Composition root of the pairing service: settings → runtime → app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.pairing.entrypoints import http
from services.pairing.entrypoints.consumers import consumer_specs
from services.pairing.settings import PairingSettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or PairingSettings()
    runtime = Runtime.build(settings, consumer_specs=consumer_specs())
    return create_app(
        runtime,
        title="Cross-town pairing 跨镇协作配对",
        description="Conflict-free, fair, unpredictable teams from other towns, with explanations.",
        routers=[http.router],
    )
