"""Field-level validation errors 校验错误: what a 422 body is made of.

Every refusal in intake is a list of `FieldError`s so the HTTP layer, the bulk importer and the
Open311 façade can all report the same machine-readable codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable reasons a value was refused 拒收原因."""

    MISSING = "missing"  # 缺少字段
    WRONG_TYPE = "wrong_type"  # 类型错误
    BLANK = "blank"  # 内容为空
    TOO_LONG = "too_long"  # 超长
    TOO_MANY = "too_many"  # 数量超限
    OUT_OF_RANGE = "out_of_range"  # 超出范围
    TOO_MANY_DECIMALS = "too_many_decimals"  # 小数位过多
    BAD_FORMAT = "bad_format"  # 格式错误
    UNKNOWN_FIELD = "unknown_field"  # 未知字段
    UNKNOWN_CHOICE = "unknown_choice"  # 取值不在列表内
    UNKNOWN_CATEGORY = "unknown_category"  # 未知问题类别
    UNKNOWN_CHANNEL = "unknown_channel"  # 未知受理渠道
    UNKNOWN_DIVISION = "unknown_division"  # 区划代码不存在
    INCONSISTENT_DIVISION = "inconsistent_division"  # 区划代码上下级不一致
    DIVISION_TOO_COARSE = "division_too_coarse"  # 区划层级太粗(须到乡镇或村)
    NAIVE_DATETIME = "naive_datetime"  # 时间缺少时区
    OCCURRED_IN_FUTURE = "occurred_in_future"  # 发生时间晚于受理时间
    RECEIVED_IN_FUTURE = "received_in_future"  # 受理时间晚于当前时间
    BAD_SHA256 = "bad_sha256"  # 附件哈希格式错误
    ATTACHMENT_TOO_LARGE = "attachment_too_large"  # 附件过大
    MEDIA_TYPE_NOT_ALLOWED = "media_type_not_allowed"  # 附件类型不允许
    BAD_PHONE = "bad_phone"  # 电话号码错误
    BAD_EMAIL = "bad_email"  # 邮箱错误
    BAD_ID_NUMBER = "bad_id_number"  # 身份证号错误(含校验位)
    CONTACT_REQUIRED = "contact_required"  # 实名/保密举报须留联系方式
    CONTACT_NOT_ALLOWED = "contact_not_allowed"  # 匿名举报不得附带身份信息
    BAD_JSON = "bad_json"  # 非法 JSON
    INVALID = "invalid"  # 其他校验失败


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused value: `field` is a JSON path such as `attachments[0].sha256`."""

    field: str
    code: ErrorCode
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code.value, "message": self.message}


class IntakeRejected(Exception):
    """Raised by the pure parsers; carries every error found, not only the first."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.code.value}" for e in self.errors))

    def as_body(self) -> list[dict[str, str]]:
        """The list the lead returns as the 422 body's `detail`."""
        return [e.as_dict() for e in self.errors]


def json_path(loc: Iterable[str | int]) -> str:
    """Render a pydantic `loc` tuple as `a.b[0].c`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "$"
