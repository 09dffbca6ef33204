"""Use cases of calling systems' subscriptions (状态回调订阅), one transaction each.

A subscription belongs to the calling system that registered it; another caller gets 404,
not 403, so ids do not reveal who subscribes to what. The signing secret is returned once,
at registration or rotation, and stored encrypted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notify.adapters.providers.webhook import generate_signing_secret
from services.notify.adapters.subscription_store import SubscriptionStore
from services.notify.adapters.tables import subscriptions
from services.notify.domain.subscriptions import (
    SigningSecret,
    Subscription,
    SubscriptionError,
    SubscriptionFilter,
    check_endpoint,
)
from shared.http.errors import ApiError


@dataclass(frozen=True, slots=True)
class Shown:
    """A subscription as its owner sees it; `secret` only right after it was made."""

    subscription: Subscription
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


# A change to a loaded subscription: (changed subscription, secret to show once or None).
Change = Callable[[Subscription, datetime], tuple[Subscription, str | None]]


def _invalid(exc: SubscriptionError) -> ApiError:
    return ApiError(422, "invalid_subscription", str(exc))


def _not_found(sub_id: str) -> ApiError:
    return ApiError(404, "subscription_not_found", f"no subscription {sub_id} of this caller")


class Subscriptions:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], store: SubscriptionStore, allow_http: bool
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.allow_http = allow_http

    def _check(self, endpoint: str) -> None:
        try:
            check_endpoint(endpoint, allow_http=self.allow_http)
        except SubscriptionError as exc:
            raise _invalid(exc) from exc

    async def register(
        self, owner: str, endpoint: str, new_filter: SubscriptionFilter, secret: str | None
    ) -> Shown:
        self._check(endpoint)
        now = datetime.now(UTC)
        value = secret or generate_signing_secret()
        try:
            sub = Subscription(
                id=str(uuid.uuid4()), system=owner, endpoint=endpoint, filter=new_filter,
                secrets=(SigningSecret(value=value, created_at=now),),
            )
        except SubscriptionError as exc:
            raise _invalid(exc) from exc
        async with self.sessions() as session, session.begin():
            values = self.store.values(sub, now)
            await session.execute(subscriptions.insert().values(created_at=now, **values))
        return Shown(sub, now, now, secret=value)

    async def _change(self, owner: str, sub_id: str, how: Change) -> Shown:
        """Load for update, apply `how(sub, now) -> (sub, secret|None)`, store."""
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            found = await self.store.owned(session, sub_id, owner, for_update=True)
            if found is None:
                raise _not_found(sub_id)
            row, sub = found
            changed, secret = how(sub, now)
            values = self.store.values(changed, now)
            await session.execute(subscriptions.update().where(subscriptions.c.id == sub_id).values(values))
        return Shown(changed, row.created_at, now, secret=secret)

    async def get(self, owner: str, sub_id: str) -> Shown:
        async with self.sessions() as session:
            found = await self.store.owned(session, sub_id, owner)
        if found is None:
            raise _not_found(sub_id)
        row, sub = found
        return Shown(sub, row.created_at, row.updated_at)

    async def of_owner(self, owner: str) -> list[Shown]:
        async with self.sessions() as session:
            rows = (await session.execute(
                sa.select(subscriptions)
                .where(subscriptions.c.owner == owner)
                .order_by(subscriptions.c.created_at)
            )).all()
        return [Shown(self.store.of(r), r.created_at, r.updated_at) for r in rows]

    async def change(
        self, owner: str, sub_id: str, endpoint: str | None, new_filter: SubscriptionFilter | None
    ) -> Shown:
        if endpoint is not None:
            self._check(endpoint)

        def how(sub: Subscription, now: datetime) -> tuple[Subscription, None]:
            try:
                if new_filter is not None:
                    sub = sub.with_filter(new_filter)
                if endpoint is not None:
                    sub = Subscription(sub.id, sub.system, endpoint, sub.filter, sub.secrets, sub.paused)
            except SubscriptionError as exc:
                raise _invalid(exc) from exc
            return sub, None

        return await self._change(owner, sub_id, how)

    async def pause(self, owner: str, sub_id: str) -> Shown:
        def how(sub: Subscription, now: datetime) -> tuple[Subscription, None]:
            if sub.paused:
                raise ApiError(409, "subscription_paused", "the subscription is already paused")
            return sub.pause(), None

        return await self._change(owner, sub_id, how)

    async def resume(self, owner: str, sub_id: str) -> Shown:
        def how(sub: Subscription, now: datetime) -> tuple[Subscription, None]:
            if not sub.paused:
                raise ApiError(409, "subscription_active", "the subscription is not paused")
            return sub.resume(), None

        return await self._change(owner, sub_id, how)

    async def rotate(self, owner: str, sub_id: str, secret: str | None, grace: timedelta) -> Shown:
        value = secret or generate_signing_secret()

        def how(sub: Subscription, now: datetime) -> tuple[Subscription, str]:
            try:
                return sub.rotate_secret(value, now, grace), value
            except SubscriptionError as exc:
                raise ApiError(409, "secret_not_rotated", str(exc)) from exc

        return await self._change(owner, sub_id, how)

    async def delete(self, owner: str, sub_id: str) -> None:
        async with self.sessions() as session, session.begin():
            gone = await session.execute(
                subscriptions.delete()
                .where(subscriptions.c.id == sub_id, subscriptions.c.owner == owner)
                .returning(subscriptions.c.id)
            )
            if gone.first() is None:
                raise _not_found(sub_id)
