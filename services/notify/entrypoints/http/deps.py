"""What routes need from the composition root, as FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notify.service_layer.subscriptions import Subscriptions
from shared.http.auth import Caller, require

# Ids from other services (UUIDs, opaque refs, officer ids like T350623104-1): short, plain.
REF_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@dataclass(frozen=True)
class NotifyServices:
    sessions: async_sessionmaker[AsyncSession]
    subscriptions: Subscriptions


def _services(request: Request) -> NotifyServices:
    services: NotifyServices = request.app.state.notify
    return services


Services = Annotated[NotifyServices, Depends(_services)]
Subscriber = Annotated[Caller, Depends(require("subscriptions:write"))]
Reader = Annotated[Caller, Depends(require("notifications:read"))]
Admin = Annotated[Caller, Depends(require("notify:admin"))]
NoticeReader = Annotated[Caller, Depends(require("reporters:notices:read"))]
