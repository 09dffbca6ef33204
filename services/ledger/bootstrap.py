"""Composition root of the ledger service: settings → context → runtime (consumer, relay,
clock sweep) → app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from services.ledger.entrypoints.consumers import consumer_specs
from services.ledger.entrypoints.http import ROUTERS
from services.ledger.entrypoints.http.errors import install_ledger_errors
from services.ledger.service_layer.context import context_from_settings
from services.ledger.service_layer.intake_events import IntakeInputs
from services.ledger.service_layer.sweep import sweep_job
from services.ledger.settings import LedgerSettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None,
              now: Callable[[], datetime] | None = None) -> FastAPI:
    """`now`: where HTTP commands and the sweep take the time from (the wall clock unless a
    test drives the calendar); consumers always take it from the events."""
    settings = settings or LedgerSettings()
    if not isinstance(settings, LedgerSettings):
        settings = LedgerSettings(**settings.model_dump())
    ctx = context_from_settings(settings, now)
    runtime = Runtime.build(settings, consumer_specs=consumer_specs(IntakeInputs(ctx)))
    if settings.run_sweep:
        runtime.background.append(
            sweep_job(runtime.sessions, ctx, settings.sweep_interval_seconds))
    app = create_app(
        runtime,
        title="Problem ledger 问题台账",
        description="The system of record: problems on working-day clocks through the closed "
                    "loop 发现 → 整改 → 检视 → 完善, statements, scorecards, class-of-case "
                    "rectification.",
        routers=ROUTERS,
    )
    app.state.ledger = ctx
    install_ledger_errors(app)
    return app
