"""Dependencies of pairing's routes: scopes, the context, a transaction per use case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.pairing.service_layer.context import PairingContext
from shared.http.auth import Caller, require

Reader = Annotated[Caller, Depends(require("pairing:read"))]
Writer = Annotated[Caller, Depends(require("pairing:write"))]
# An officer declares their own conflict (主动回避) without the right to edit the registry.
Recuser = Annotated[Caller, Depends(require("pairing:recuse"))]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$"


def context(request: Request) -> PairingContext:
    ctx: PairingContext = request.app.state.pairing
    return ctx


Ctx = Annotated[PairingContext, Depends(context)]


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction."""
    async with request.app.state.runtime.sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session
