"""Composition root of the ledger service: settings → runtime → app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.ledger.entrypoints import http
from services.ledger.entrypoints.consumers import consumer_specs
from services.ledger.settings import LedgerSettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or LedgerSettings()
    runtime = Runtime.build(settings, consumer_specs=consumer_specs())
    return create_app(
        runtime,
        title="Problem ledger 问题台账",
        description="The system of record: problems, their lifecycle, deadlines and statements.",
        routers=[http.router],
    )
