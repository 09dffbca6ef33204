"""Subscriptions (对接系统订阅) in the database, as domain objects, secrets sealed at rest."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.secret_box import SecretBox, SecretUnreadable
from services.notify.adapters.tables import subscriptions
from services.notify.domain.subscriptions import SigningSecret, Subscription, SubscriptionFilter

log = logging.getLogger(__name__)
_FILTER_FIELDS = ("complaint_ids", "categories", "area_prefixes", "event_types", "statuses")


def filter_column(f: SubscriptionFilter) -> dict[str, list[str]]:
    return {name: sorted(getattr(f, name)) for name in _FILTER_FIELDS}


def filter_of(column: Mapping[str, Sequence[str]]) -> SubscriptionFilter:
    return SubscriptionFilter(**{name: frozenset(column.get(name, ())) for name in _FILTER_FIELDS})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SubscriptionStore:
    def __init__(self, box: SecretBox) -> None:
        self.box = box
        # Decrypting every subscription for every event would be waste: keep the domain object
        # until the row changes (every change moves `updated_at`).
        self._cache: dict[str, tuple[datetime, Subscription]] = {}

    def secrets_column(self, subscription: Subscription) -> list[dict[str, Any]]:
        return [
            {"token": self.box.seal(s.value), "created_at": _iso(s.created_at),
             "expires_at": _iso(s.expires_at)}
            for s in subscription.secrets
        ]

    def values(self, subscription: Subscription, now: datetime) -> dict[str, Any]:
        """Columns for an insert or a full update of `subscription`."""
        return {
            "id": subscription.id,
            "owner": subscription.system,
            "endpoint": subscription.endpoint,
            "filter": filter_column(subscription.filter),
            "secrets": self.secrets_column(subscription),
            "paused": subscription.paused,
            "updated_at": now,
        }

    def of(self, row: Any) -> Subscription:
        cached = self._cache.get(row.id)
        if cached is not None and cached[0] == row.updated_at:
            return cached[1]
        subscription = Subscription(
            id=row.id,
            system=row.owner,
            endpoint=row.endpoint,
            filter=filter_of(row.filter),
            secrets=tuple(
                SigningSecret(
                    value=self.box.open(s["token"]),
                    created_at=_time(s["created_at"]) or row.created_at,
                    expires_at=_time(s["expires_at"]),
                )
                for s in row.secrets
            ),
            paused=row.paused,
        )
        self._cache[row.id] = (row.updated_at, subscription)
        return subscription

    async def active(self, session: AsyncSession) -> list[Subscription]:
        """Unpaused subscriptions, for routing (which reads filters, never secrets)."""
        rows = (await session.execute(sa.select(subscriptions).where(sa.not_(subscriptions.c.paused)))).all()
        return [self._routable(r) for r in rows]

    def _routable(self, row: Any) -> Subscription:
        try:
            return self.of(row)
        except SecretUnreadable:
            # Still route: the delivery then fails with the reason and can be requeued once the
            # key is back, instead of every status event failing to route. The sealed tokens
            # stand in for the secrets; routing never reads them and the sender re-reads the row.
            log.error("a subscription secret cannot be decrypted", extra={"subscription": row.id})
            return Subscription(
                id=row.id, system=row.owner, endpoint=row.endpoint, filter=filter_of(row.filter),
                secrets=tuple(SigningSecret(s["token"], row.created_at) for s in row.secrets),
                paused=row.paused,
            )

    async def by_ids(
        self, session: AsyncSession, ids: Sequence[str]
    ) -> dict[str, Subscription | SecretUnreadable]:
        """The subscriptions that exist; one whose secret no key opens is reported, not raised, so
        it fails its own deliveries instead of stopping everyone's."""
        if not ids:
            return {}
        rows = (await session.execute(sa.select(subscriptions).where(subscriptions.c.id.in_(ids)))).all()
        found: dict[str, Subscription | SecretUnreadable] = {}
        for row in rows:
            try:
                found[row.id] = self.of(row)
            except SecretUnreadable as exc:
                found[row.id] = exc
        return found

    async def owned(
        self, session: AsyncSession, sub_id: str, owner: str, *, for_update: bool = False
    ) -> tuple[Any, Subscription] | None:
        query = sa.select(subscriptions).where(subscriptions.c.id == sub_id, subscriptions.c.owner == owner)
        if for_update:
            query = query.with_for_update()
        row = (await session.execute(query)).first()
        return None if row is None else (row, self.of(row))
