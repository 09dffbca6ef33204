"""What every channel mapping shares: tolerant native parsing and the subject fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..complaint import ComplaintIn, ShortText
from ..errors import ErrorCode, FieldError, IntakeRejected
from ..fields import LevelField, RoleField
from ..validation import errors_from_pydantic
from ..vocabulary import SubjectRole

# Other government systems add fields over time; ignoring unknown ones keeps them working.
NATIVE_CONFIG = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

M = TypeVar("M", bound=BaseModel)


def parse_native(model: type[M], data: object) -> M:
    """Parse a channel's own record; errors carry the channel's own field names."""
    if not isinstance(data, Mapping):
        raise IntakeRejected([FieldError("$", ErrorCode.WRONG_TYPE, "记录须为 JSON 对象")])
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        # `from None`: a ValidationError prints the input, which may be a reporter's phone.
        raise IntakeRejected(errors_from_pydantic(exc)) from None


def build_complaint_in(fields: Mapping[str, Any], field_map: Mapping[str, str]) -> ComplaintIn:
    try:
        return ComplaintIn.model_validate(dict(fields))
    except ValidationError as exc:
        raise IntakeRejected(errors_from_pydantic(exc, field_map)) from None


class SubjectFields(BaseModel):
    """The person or unit complained about, as flat native fields 被反映人/单位/身份/层级."""

    model_config = NATIVE_CONFIG

    subject_name: ShortText | None = None
    subject_unit: ShortText | None = None
    subject_role: RoleField = SubjectRole.OTHER
    subject_level: LevelField | None = None

    def subject(self) -> dict[str, Any] | None:
        if not self.subject_name and not self.subject_unit:
            return None
        return {
            "name": self.subject_name,
            "unit": self.subject_unit,
            "role": self.subject_role,
            "level": self.subject_level,
        }


SUBJECT_FIELD_MAP = {"subject": "subject_name"}


def meta(**values: object) -> dict[str, str]:
    """channel_meta from the native extras that are set; values are stringified and capped."""
    return {k: str(v)[:200] for k, v in values.items() if v is not None and v != ""}
