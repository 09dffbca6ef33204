"""What intake's routes need, built once by the composition root and kept on `app.state.intake`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.intake.domain.divisions import DivisionRegistry
from services.intake.entrypoints.limits import RateLimiter
from services.intake.service_layer.group_commit import GroupCommitter
from services.intake.service_layer.submission import Protector
from services.intake.settings import IntakeSettings


@dataclass(frozen=True)
class IntakeContext:
    settings: IntakeSettings
    registry: DivisionRegistry
    protector: Protector
    committer: GroupCommitter
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter


def intake(request: Request) -> IntakeContext:
    ctx: Any = request.app.state.intake
    assert isinstance(ctx, IntakeContext)
    return ctx
