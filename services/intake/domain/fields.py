"""Pydantic field types for the domain's enums: accept the value or its Chinese label."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from .errors import ErrorCode
from .vocabulary import Category, Channel, Level, ReporterMode, SubjectRole


def labelled(
    enum: type[Channel] | type[Category] | type[SubjectRole] | type[Level] | type[ReporterMode],
    code: ErrorCode,
    what: str,
) -> BeforeValidator:
    """Accept the enum value or its Chinese label; refuse anything else with `code`."""

    def parse(raw: Any) -> Any:
        if isinstance(raw, enum):
            return raw
        if not isinstance(raw, str):
            raise PydanticCustomError(ErrorCode.WRONG_TYPE.value, f"{what}须为字符串")
        member = enum.parse(raw)
        if member is None:
            allowed = "、".join(f"{m.value}({m.label})" for m in enum)
            raise PydanticCustomError(code.value, f"未知{what} {raw!r},可选:{allowed}")
        return member

    return BeforeValidator(parse)


ChannelField = Annotated[Channel, labelled(Channel, ErrorCode.UNKNOWN_CHANNEL, "受理渠道")]
CategoryField = Annotated[Category, labelled(Category, ErrorCode.UNKNOWN_CATEGORY, "问题类别")]
RoleField = Annotated[SubjectRole, labelled(SubjectRole, ErrorCode.UNKNOWN_CHOICE, "被反映人身份")]
LevelField = Annotated[Level, labelled(Level, ErrorCode.UNKNOWN_CHOICE, "层级")]
ModeField = Annotated[ReporterMode, labelled(ReporterMode, ErrorCode.UNKNOWN_CHOICE, "举报方式")]
