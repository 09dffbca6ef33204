"""Subscriptions of calling systems to status webhooks (状态回调订阅): register, filter, pause,
resume, rotate the secret, delete. A caller only ever sees its own subscriptions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.notify.adapters.subscription_store import filter_column
from services.notify.domain.subscriptions import SubscriptionError, SubscriptionFilter
from services.notify.entrypoints.http.deps import REF_PATTERN, UUID_PATTERN, Services, Subscriber
from services.notify.service_layer.subscriptions import Shown
from shared.events.catalog import ComplaintReceived, ProblemOpened, ProblemStatusChanged
from shared.http.errors import ApiError

router = APIRouter(prefix="/subscriptions", tags=["subscriptions 状态回调订阅"])
STATUS_EVENT_TYPES = (ComplaintReceived.TYPE, ProblemOpened.TYPE, ProblemStatusChanged.TYPE)
SubscriptionId = Annotated[str, Path(pattern=UUID_PATTERN)]
Ref = Annotated[str, StringConstraints(pattern=REF_PATTERN)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]
AreaPrefix = Annotated[str, StringConstraints(
    pattern=r"^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$")]
Secret = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{24,256}$")]
Endpoint = Annotated[str, StringConstraints(min_length=8, max_length=2048)]


class FilterIn(BaseModel):
    """What to be told about (a conjunction): set complaint ids, or categories and/or areas."""

    model_config = ConfigDict(extra="forbid")
    complaint_ids: list[Ref] = Field(default_factory=list, max_length=1000)
    categories: list[Code] = Field(default_factory=list, max_length=50)
    area_prefixes: list[AreaPrefix] = Field(default_factory=list, max_length=200,
                                            description="division code prefixes: 省2/市4/县6/乡9/村12 digits")
    event_types: list[str] = Field(default_factory=list, max_length=len(STATUS_EVENT_TYPES))
    statuses: list[Code] = Field(default_factory=list, max_length=30)

    @field_validator("event_types")
    @classmethod
    def _status_events_only(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(STATUS_EVENT_TYPES))
        if unknown:
            raise ValueError(f"not a status event type: {unknown}; one of {list(STATUS_EVENT_TYPES)}")
        return value

    def to_domain(self) -> SubscriptionFilter:
        try:
            return SubscriptionFilter(
                complaint_ids=frozenset(self.complaint_ids), categories=frozenset(self.categories),
                area_prefixes=frozenset(self.area_prefixes), event_types=frozenset(self.event_types),
                statuses=frozenset(self.statuses),
            )
        except SubscriptionError as exc:
            raise ApiError(422, "invalid_subscription", str(exc), [{"field": "filter", "code": "invalid",
                                                                   "message": str(exc)}]) from exc


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: Endpoint = Field(description="https URL that receives signed POSTs")
    filter: FilterIn
    secret: Secret | None = Field(default=None, description="your own signing secret; generated if absent")


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: Endpoint | None = None
    filter: FilterIn | None = None


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_seconds: int = Field(default=86_400, ge=0, le=7 * 86_400,
                               description="how long the previous secret keeps signing too")
    secret: Secret | None = None


class SecretOut(BaseModel):
    created_at: datetime
    expires_at: datetime | None


class SubscriptionOut(BaseModel):
    id: str
    owner: str
    endpoint: str
    filter: dict[str, list[str]]
    paused: bool
    secrets: list[SecretOut] = Field(
        description="live and retiring secrets, newest first (values never shown)")
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="shown in this answer only: keep it to verify our signatures")


def _out(shown: Shown) -> SubscriptionOut:
    sub = shown.subscription
    return SubscriptionOut(
        id=sub.id, owner=sub.system, endpoint=sub.endpoint, filter=filter_column(sub.filter),
        paused=sub.paused,
        secrets=[SecretOut(created_at=s.created_at, expires_at=s.expires_at) for s in sub.secrets],
        created_at=shown.created_at, updated_at=shown.updated_at,
    )


def _with_secret(shown: Shown) -> SubscriptionWithSecret:
    assert shown.secret is not None
    return SubscriptionWithSecret(**_out(shown).model_dump(), secret=shown.secret)


@router.post("", status_code=201,
             summary="Register an endpoint for status webhooks (注册回调地址); the secret is shown once")
async def register(body: SubscriptionIn, caller: Subscriber, services: Services) -> SubscriptionWithSecret:
    shown = await services.subscriptions.register(
        caller.name, body.endpoint, body.filter.to_domain(), body.secret
    )
    return _with_secret(shown)


@router.get("", summary="This caller's subscriptions (我的订阅)")
async def list_own(caller: Subscriber, services: Services) -> dict[str, list[SubscriptionOut]]:
    return {"items": [_out(s) for s in await services.subscriptions.of_owner(caller.name)]}


@router.get("/{subscription_id}", summary="One subscription (订阅详情)")
async def get_one(subscription_id: SubscriptionId, caller: Subscriber, services: Services) -> SubscriptionOut:
    return _out(await services.subscriptions.get(caller.name, subscription_id))


@router.patch("/{subscription_id}",
              summary="Change the endpoint or the filter (修改订阅)")
async def change(
    subscription_id: SubscriptionId, body: SubscriptionPatch, caller: Subscriber, services: Services
) -> SubscriptionOut:
    if body.endpoint is None and body.filter is None:
        raise ApiError(422, "nothing_to_change", "give an endpoint, a filter or both")
    new_filter = body.filter.to_domain() if body.filter is not None else None
    return _out(await services.subscriptions.change(caller.name, subscription_id, body.endpoint, new_filter))


@router.post("/{subscription_id}/pause",
             summary="Pause: nothing is sent or queued for it meanwhile (暂停)")
async def pause(subscription_id: SubscriptionId, caller: Subscriber, services: Services) -> SubscriptionOut:
    return _out(await services.subscriptions.pause(caller.name, subscription_id))


@router.post("/{subscription_id}/resume", summary="Resume (恢复)")
async def resume(subscription_id: SubscriptionId, caller: Subscriber, services: Services) -> SubscriptionOut:
    return _out(await services.subscriptions.resume(caller.name, subscription_id))


@router.post("/{subscription_id}/rotate-secret",
             summary="Rotate the signing secret (轮换密钥); both sign during the grace period")
async def rotate(
    subscription_id: SubscriptionId, caller: Subscriber, services: Services,
    body: Annotated[RotateIn | None, Body()] = None,
) -> SubscriptionWithSecret:
    body = body or RotateIn()
    shown = await services.subscriptions.rotate(
        caller.name, subscription_id, body.secret, timedelta(seconds=body.grace_seconds)
    )
    return _with_secret(shown)


@router.delete("/{subscription_id}", status_code=204, summary="Delete (删除订阅); queued webhooks fail")
async def delete(subscription_id: SubscriptionId, caller: Subscriber, services: Services) -> Response:
    await services.subscriptions.delete(caller.name, subscription_id)
    return Response(status_code=204)
