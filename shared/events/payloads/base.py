"""What every payload shares: the base class, places and attachments."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.topics import Topic

PREFIX = "cn.gov.zhangzhou.supervision"


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    TYPE: ClassVar[str]
    TOPIC: ClassVar[Topic]

    def subject(self) -> str:
        """The aggregate id, used as the Kafka key."""
        raise NotImplementedError


class Place(BaseModel):
    """A real statistical division (统计用区划代码): village optional, town and county always."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    village_code: str | None = Field(default=None, pattern=r"^[0-9]{12}$")
    village_name: str | None = None
    town_code: str = Field(pattern=r"^[0-9]{9}$")
    town_name: str
    county_code: str = Field(pattern=r"^[0-9]{6}$")
    county_name: str


class AttachmentMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    media_type: str
