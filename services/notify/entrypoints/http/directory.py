"""The contact directory (通讯录) of officers and county commissions, with channel preferences
and quiet hours (免打扰). Reporters are not here: intake keeps their contact details."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from services.notify.adapters.providers.sms_gateway import normalise_mobile
from services.notify.domain.notification import Channel, RecipientKind
from services.notify.domain.quiet_hours import QuietHours
from services.notify.entrypoints.http.deps import REF_PATTERN, Admin, Services
from services.notify.service_layer.operations import ContactChange, get_contact, put_contact

router = APIRouter(tags=["directory 通讯录"])
OfficerId = Annotated[str, Path(pattern=REF_PATTERN)]
CountyCode = Annotated[str, Path(pattern=r"^[0-9]{6}$")]
Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")]


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Clock = Field(description="China time, HH:MM")
    end: Clock

    def to_domain(self) -> QuietHours:
        return QuietHours(start=time.fromisoformat(self.start), end=time.fromisoformat(self.end))

    @model_validator(mode="after")
    def _non_empty(self) -> QuietHoursIn:
        if self.start == self.end:
            raise ValueError("quiet hours need start != end")
        return self


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="mainland mobile number")
    email: Email | None = None
    channels: list[Literal["sms", "email"]] | None = Field(
        default=None, min_length=1, max_length=2, description="preferred channels; default by kind")
    quiet_hours: QuietHoursIn | None = Field(
        default=None, description="SMS quiet window; default 22:00-08:00")
    no_quiet_hours: bool = False

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normal = normalise_mobile(value)
        if normal is None:
            raise ValueError("not a mainland mobile number")
        return normal

    @model_validator(mode="after")
    def _consistent(self) -> ContactIn:
        if self.no_quiet_hours and self.quiet_hours is not None:
            raise ValueError("give quiet_hours or no_quiet_hours, not both")
        if self.channels is not None and len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self

    def to_change(self) -> ContactChange:
        return ContactChange(
            phone=self.phone, email=self.email,
            channels=tuple(Channel(c) for c in self.channels) if self.channels else None,
            quiet_hours=self.quiet_hours.to_domain() if self.quiet_hours else None,
            no_quiet_hours=self.no_quiet_hours,
        )


class ContactOut(BaseModel):
    kind: str
    ref: str
    phone: str | None
    email: str | None
    channels: list[str] | None
    quiet_hours: dict[str, str] | None
    no_quiet_hours: bool
    updated_at: datetime


def _out(row: dict[str, Any]) -> ContactOut:
    quiet = None
    if row["quiet_start"] is not None and row["quiet_end"] is not None:
        quiet = {"start": row["quiet_start"].strftime("%H:%M"), "end": row["quiet_end"].strftime("%H:%M")}
    return ContactOut(kind=row["kind"], ref=row["ref"], phone=row["phone"], email=row["email"],
                      channels=row["channels"], quiet_hours=quiet, no_quiet_hours=row["no_quiet_hours"],
                      updated_at=row["updated_at"])


@router.put("/officers/{officer_id}/contact",
            summary="Set an officer's contact and preferences (承办人员联系方式)")
async def put_officer(officer_id: OfficerId, body: ContactIn, _: Admin, services: Services) -> ContactOut:
    return _out(await put_contact(services.sessions, RecipientKind.OFFICER, officer_id, body.to_change()))


@router.get("/officers/{officer_id}/contact", summary="An officer's contact (承办人员联系方式)")
async def get_officer(officer_id: OfficerId, _: Admin, services: Services) -> ContactOut:
    return _out(await get_contact(services.sessions, RecipientKind.OFFICER, officer_id))


@router.put("/counties/{county_code}/contact",
            summary="Set a county commission's contact (县纪委监委联系方式)")
async def put_county(county_code: CountyCode, body: ContactIn, _: Admin, services: Services) -> ContactOut:
    return _out(await put_contact(services.sessions, RecipientKind.COUNTY, county_code, body.to_change()))


@router.get("/counties/{county_code}/contact", summary="A county commission's contact (县纪委监委联系方式)")
async def get_county(county_code: CountyCode, _: Admin, services: Services) -> ContactOut:
    return _out(await get_contact(services.sessions, RecipientKind.COUNTY, county_code))
