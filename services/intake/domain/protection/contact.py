"""Reporter identity 举报人身份信息 as it arrives, before it is sealed.

These values exist in plaintext only between the request and `protect_reporter`; they are never
put on an event, a log line or an Open311 response.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import ErrorCode
from ..fields import ModeField
from ..vocabulary import ReporterMode
from .id_number import id_number_problem, normalise_id_number

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def normalise_phone(raw: str) -> str:
    """Digits only, without the +86 country prefix: `+86 138-0000-0000` -> `13800000000`."""
    digits = re.sub(r"[\s\-()（）]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def _phone(raw: str) -> str:
    digits = normalise_phone(raw)
    if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise PydanticCustomError(
            ErrorCode.BAD_PHONE.value, "电话号码须为11位手机号或带区号的固定电话"
        )
    return digits


def _email(raw: str) -> str:
    if not _EMAIL.fullmatch(raw):
        raise PydanticCustomError(ErrorCode.BAD_EMAIL.value, "邮箱地址格式错误")
    return raw.lower()


def _id_number(raw: str) -> str:
    problem = id_number_problem(raw)
    if problem:
        raise PydanticCustomError(ErrorCode.BAD_ID_NUMBER.value, problem)
    return normalise_id_number(raw)


Phone = Annotated[str, Field(max_length=32), AfterValidator(_phone)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
IdNumber = Annotated[str, Field(max_length=32), AfterValidator(_id_number)]


class ContactDetails(BaseModel):
    """Contact details 联系方式: name 姓名, phone 电话, ID number 身份证号, email, address 住址.

    No field appears in `repr`/`str`, so a complaint that ends up in a log line or a traceback
    does not carry the reporter with it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=50, repr=False)
    phone: Phone | None = Field(default=None, repr=False)
    id_number: IdNumber | None = Field(default=None, repr=False)
    email: Email | None = Field(default=None, repr=False)
    address: str | None = Field(default=None, min_length=1, max_length=200, repr=False)

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())

    def values(self) -> list[str]:
        """Every identifying value, for PII scans and redaction of known values."""
        return [v for v in self.model_dump().values() if v]


class ReporterIn(BaseModel):
    """The reporter as submitted 举报人: a protection mode and (unless anonymous) contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: ModeField
    contact: ContactDetails | None = None

    @model_validator(mode="after")
    def _contact_fits_mode(self) -> ReporterIn:
        contact = self.contact
        if self.mode is ReporterMode.ANONYMOUS:
            if contact is not None and not contact.is_empty():
                raise PydanticCustomError(
                    ErrorCode.CONTACT_NOT_ALLOWED.value,
                    "匿名举报不应填写身份信息;如需回复请选择保密举报",
                )
        elif contact is None or not contact.name or not (contact.phone or contact.email):
            raise PydanticCustomError(
                ErrorCode.CONTACT_REQUIRED.value,
                "实名或保密举报须填写姓名和电话或邮箱",
            )
        return self


ANONYMOUS = ReporterIn(mode=ReporterMode.ANONYMOUS)
