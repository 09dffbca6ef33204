"""Composition root of the pairing service: settings → context → runtime (consumer, relay) → app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from services.pairing.entrypoints.consumers import consumer_specs
from services.pairing.entrypoints.http import ROUTERS
from services.pairing.service_layer.context import context_from_settings
from services.pairing.settings import PairingSettings
from shared.runtime import Runtime, create_app
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ServiceSettings | None = None,
              now: Callable[[], datetime] | None = None) -> FastAPI:
    """`now`: the clock of HTTP commands (rounds, recusals, rosters); consumers take the time
    from the events."""
    settings = settings or PairingSettings()
    if not isinstance(settings, PairingSettings):
        settings = PairingSettings(**settings.model_dump())
    runtime = Runtime.build(settings)
    ctx = context_from_settings(settings, runtime.registry, now)
    runtime.consumer_specs = consumer_specs(ctx)
    app = create_app(
        runtime,
        title="Cross-town pairing 跨镇协作配对",
        description="Conflict-free, fair, unpredictable teams from other towns, with explanations: "
                    "the officer registry, incremental and batch staffing, recusals, rotation "
                    "rosters and an independent audit.",
        routers=ROUTERS,
    )
    app.state.pairing = ctx
    return app
