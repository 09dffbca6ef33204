"""Dependencies of the ledger's routes: scopes, the acting officer, the context, a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.service_layer.context import LedgerContext
from shared.http.auth import Caller, require

Reader = Annotated[Caller, Depends(require("ledger:read"))]
Writer = Annotated[Caller, Depends(require("ledger:write"))]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$"


def context(request: Request) -> LedgerContext:
    ctx: LedgerContext = request.app.state.ledger
    return ctx


Ctx = Annotated[LedgerContext, Depends(context)]


async def acting(
    caller: Writer,
    x_actor: Annotated[str | None, Header(pattern=r"^[\w.:@\-]{1,64}$",
                                          description="The officer acting for the caller")] = None,
) -> str:
    """Who did it, for the timeline: the calling system, and the officer when it names one."""
    return f"{caller.name}/{x_actor}" if x_actor else caller.name


Actor = Annotated[str, Depends(acting)]


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction."""
    async with request.app.state.runtime.sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session
