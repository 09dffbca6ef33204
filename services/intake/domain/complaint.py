"""The one complaint model 投诉举报件 every channel is mapped onto.

`ComplaintIn` is the shape a caller sends (checked field by field by pydantic). `Complaint` is a
`ComplaintIn` that also passed the registry and cross-field rules (`validation.validate_complaint`):
it carries the resolved place, the 提级 routing decision and a definite `received_at`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .divisions import Place
from .errors import ErrorCode
from .fields import CategoryField, ChannelField, LevelField, RoleField
from .idempotency import channel_key
from .protection.contact import ReporterIn
from .routing import Routing
from .vocabulary import SubjectRole

MAX_DESCRIPTION_CHARS = 5_000
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_AMOUNT_YUAN = Decimal("1000000000000")  # 1e12: beyond any village or county budget
MAX_LAND_MU = Decimal("100000000")
ALLOWED_MEDIA_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/webp",
        "application/pdf",
        "audio/mpeg",
        "audio/amr",  # hotline call recordings
        "video/mp4",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/plain",
    }
)


def _no_numbers(raw: Any) -> Any:
    """Refuse epoch numbers for times: callers must send ISO 8601 with an offset."""
    if isinstance(raw, (int, float, bool)):
        raise PydanticCustomError(
            ErrorCode.WRONG_TYPE.value,
            "时间须为带时区的 ISO 8601 字符串,如 2024-05-01T09:30:00+08:00",
        )
    return raw


# Years a report can be about or be received in. Beyond them a time is a typing error, and near
# datetime's own ends converting it to China time overflows (a 500 instead of a field error).
EARLIEST_YEAR, LATEST_YEAR = 1949, 2199


def _plausible_year(moment: datetime) -> datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise PydanticCustomError(
            ErrorCode.OUT_OF_RANGE.value, f"时间须在 {EARLIEST_YEAR}–{LATEST_YEAR} 年之间")
    return moment


Timestamp = Annotated[AwareDatetime, BeforeValidator(_no_numbers), AfterValidator(_plausible_year)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DescriptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION_CHARS)
]
AmountYuan = Annotated[
    Decimal, Field(ge=0, le=MAX_AMOUNT_YUAN, decimal_places=2, allow_inf_nan=False)
]  # 金额(元), to the fen
LandMu = Annotated[
    Decimal, Field(ge=0, le=MAX_LAND_MU, decimal_places=4, allow_inf_nan=False)
]  # 面积(亩)
Sha256Hex = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]


def _allowed_media_type(raw: str) -> str:
    media = raw.strip().lower()
    if media not in ALLOWED_MEDIA_TYPES:
        raise PydanticCustomError(
            ErrorCode.MEDIA_TYPE_NOT_ALLOWED.value,
            "附件类型 {media} 不在允许列表内",
            {"media": media},
        )
    return media


class Attachment(BaseModel):
    """Attachment metadata 附件信息; the bytes live in object storage, never in intake's DB."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: Sha256Hex
    size_bytes: int = Field(gt=0, le=MAX_ATTACHMENT_BYTES, strict=True)
    media_type: Annotated[str, Field(max_length=127), AfterValidator(_allowed_media_type)]
    filename: ShortText | None = None


Attachments = Annotated[tuple[Attachment, ...], Field(max_length=MAX_ATTACHMENTS)]


class Subject(BaseModel):
    """The person or unit complained about 被反映人/被反映单位."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText | None = None
    unit: ShortText | None = None
    role: RoleField = SubjectRole.OTHER
    level: LevelField | None = None  # the level of the post (or commission) the subject holds

    @model_validator(mode="after")
    def _names_someone(self) -> Subject:
        if not self.name and not self.unit:
            raise PydanticCustomError(ErrorCode.MISSING.value, "被反映人须填写姓名或单位")
        return self

    @property
    def is_commission_staff(self) -> bool:
        """A discipline commission's own leader or staff 纪委监委自身领导或干部."""
        return self.role in (SubjectRole.COMMISSION_STAFF, SubjectRole.COMMISSION_LEADER)


class ComplaintIn(BaseModel):
    """A complaint as submitted, in the canonical shape (JSON body, bulk row, mapped channel)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ChannelField
    external_ref: ShortText | None = None  # the sending system's own number 外部编号
    place_code: str = Field(max_length=20)  # 12-digit village or 9-digit town code
    town_code: str | None = Field(default=None, max_length=20)  # optional consistency check
    category: CategoryField
    subject: Subject | None = None
    description: DescriptionText
    amount_yuan: AmountYuan | None = None
    land_mu: LandMu | None = None
    attachments: Attachments = ()
    occurred_at: Timestamp | None = None
    received_at: Timestamp | None = None  # None: intake's own clock at acceptance
    reporter: ReporterIn | None = None  # None only for institutional channels
    channel_meta: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")],
        Annotated[str, StringConstraints(max_length=200)],
    ] = Field(default_factory=dict, max_length=20)  # native fields with no canonical home


class Complaint(ComplaintIn):
    """A complaint that passed every rule; built only by `validate_complaint`."""

    received_at: Timestamp  # always set once accepted
    place: Place
    routing: Routing

    @property
    def idempotency_key(self) -> str | None:
        """Stable key from channel + external reference (None: rely on the Idempotency-Key)."""
        return channel_key(self.channel, self.external_ref) if self.external_ref else None
