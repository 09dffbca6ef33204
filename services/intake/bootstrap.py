"""Composition root of the intake service: settings → division registry → runtime → app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.domain.division_csv import load_registry
from services.intake.entrypoints import http
from services.intake.settings import IntakeSettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None) -> FastAPI:
    s = settings if isinstance(settings, IntakeSettings) else IntakeSettings()
    runtime = Runtime.build(s)
    app = create_app(
        runtime,
        title="Intake 受理",
        description=(
            "Complaints and visit logs from every channel; reporters protected; duplicates clustered."
        ),
        routers=[http.router],
    )
    app.state.divisions = load_registry(s.divisions_dir)
    return app
