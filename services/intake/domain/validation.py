"""Validation 校验: raw input -> `Complaint`, or every reason it was refused.

The lead returns `IntakeRejected.as_body()` as a 422. Cross-field rules (place against the
registry, times, reporter presence) live here rather than in pydantic because they need the
registry and `now`, which a model cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from .complaint import Complaint, ComplaintIn
from .divisions import DivisionError, DivisionRegistry, Place
from .errors import ErrorCode, FieldError, IntakeRejected, json_path
from .routing import derive_routing
from .vocabulary import Channel

# Channels where a citizen speaks; institutional findings (巡察, 入户访查) may have no reporter.
CITIZEN_CHANNELS = frozenset({Channel.HOTLINE_12345, Channel.PETITION, Channel.ONLINE})
# Callers' clocks drift; a received_at a little ahead of ours is not an error.
CLOCK_SKEW = timedelta(minutes=5)

_WRONG_TYPE = {
    "string_type", "int_type", "int_parsing", "int_from_float", "bool_type", "bool_parsing",
    "float_type", "float_parsing", "decimal_type", "decimal_parsing", "list_type", "tuple_type",
    "dict_type", "model_type", "model_attributes_type", "dataclass_type", "datetime_type",
    "date_type", "is_instance_of", "none_required", "string_unicode",
}
_PYDANTIC_CODES = {
    "missing": ErrorCode.MISSING,
    "string_too_short": ErrorCode.BLANK,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_long": ErrorCode.TOO_MANY,
    "too_short": ErrorCode.MISSING,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "decimal_max_digits": ErrorCode.OUT_OF_RANGE,
    "decimal_max_places": ErrorCode.TOO_MANY_DECIMALS,
    "decimal_whole_digits": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.BAD_FORMAT,
    "string_pattern_mismatch": ErrorCode.BAD_FORMAT,
    "datetime_parsing": ErrorCode.BAD_FORMAT,
    "datetime_from_date_parsing": ErrorCode.BAD_FORMAT,
    "date_parsing": ErrorCode.BAD_FORMAT,
    "date_from_datetime_parsing": ErrorCode.BAD_FORMAT,
    "date_from_datetime_inexact": ErrorCode.BAD_FORMAT,
    "timezone_aware": ErrorCode.NAIVE_DATETIME,
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "enum": ErrorCode.UNKNOWN_CHOICE,
    "literal_error": ErrorCode.UNKNOWN_CHOICE,
}
_KNOWN = {code.value for code in ErrorCode}
# Chinese lead-in for pydantic's own (English) messages, so an operator can read every error.
_LEAD_IN = {
    ErrorCode.MISSING: "缺少必填字段",
    ErrorCode.WRONG_TYPE: "类型错误",
    ErrorCode.BLANK: "内容不能为空",
    ErrorCode.TOO_LONG: "内容超长",
    ErrorCode.TOO_MANY: "数量超过上限",
    ErrorCode.OUT_OF_RANGE: "数值超出范围",
    ErrorCode.TOO_MANY_DECIMALS: "小数位过多",
    ErrorCode.BAD_FORMAT: "格式错误",
    ErrorCode.UNKNOWN_FIELD: "未知字段",
    ErrorCode.UNKNOWN_CHOICE: "取值不在允许列表内",
    ErrorCode.NAIVE_DATETIME: "时间须带时区",
    ErrorCode.ATTACHMENT_TOO_LARGE: "附件过大",
    ErrorCode.BAD_SHA256: "附件 sha256 须为64位十六进制",
}


def _is_pydantic_type(error_type: str) -> bool:
    return error_type in _WRONG_TYPE or error_type in _PYDANTIC_CODES


def _code_for(error_type: str, path: str) -> ErrorCode:
    if error_type in _WRONG_TYPE:
        return ErrorCode.WRONG_TYPE
    if error_type not in _PYDANTIC_CODES:
        # Our own PydanticCustomError codes pass straight through.
        return ErrorCode(error_type) if error_type in _KNOWN else ErrorCode.INVALID
    code = _PYDANTIC_CODES[error_type]
    # Two generic pydantic failures have a sharper meaning on particular fields.
    if code is ErrorCode.OUT_OF_RANGE and path.endswith("size_bytes") and "less" in error_type:
        return ErrorCode.ATTACHMENT_TOO_LARGE
    if code is ErrorCode.BAD_FORMAT and path.endswith("sha256"):
        return ErrorCode.BAD_SHA256
    return code


def rename_path(path: str, field_map: Mapping[str, str] | None) -> str:
    """Report errors under the caller's own field names (`content` rather than `description`)."""
    if not field_map:
        return path
    # Longest mapped prefix wins: `reporter.contact.phone` before `reporter`.
    cut = len(path)
    while cut > 0:
        prefix = path[:cut]
        if prefix in field_map:
            return field_map[prefix] + path[cut:]
        cut = max(path.rfind(".", 0, cut), path.rfind("[", 0, cut))
    return path


def errors_from_pydantic(
    exc: ValidationError, field_map: Mapping[str, str] | None = None
) -> list[FieldError]:
    errors = []
    for item in exc.errors(include_url=False):
        path = rename_path(json_path(item["loc"]), field_map)
        code = _code_for(item["type"], path)
        lead_in = _LEAD_IN.get(code) if _is_pydantic_type(item["type"]) else None
        message = f"{lead_in}: {item['msg']}" if lead_in else item["msg"]
        errors.append(FieldError(path, code, message))
    return errors


def _check_place(
    place_code: object, town_code: object, registry: DivisionRegistry,
    field_map: Mapping[str, str] | None,
) -> tuple[Place | None, list[FieldError]]:
    if not isinstance(place_code, str):
        return None, []  # pydantic already reported the type error
    place_field = rename_path("place_code", field_map)
    try:
        place = registry.resolve(place_code)
    except DivisionError as exc:
        return None, [exc.at(place_field)]
    if isinstance(town_code, str) and town_code != place.town.code:
        town_field = rename_path("town_code", field_map)
        try:
            registry.resolve(town_code)
        except DivisionError as exc:
            return None, [exc.at(town_field)]
        message = f"区划代码 {place_code} 不属于乡镇 {town_code}"
        return None, [FieldError(place_field, ErrorCode.INCONSISTENT_DIVISION, message)]
    return place, []


def _check_times_and_reporter(
    draft: ComplaintIn, now: datetime, field_map: Mapping[str, str] | None
) -> list[FieldError]:
    errors = []
    received = draft.received_at or now
    if received > now + CLOCK_SKEW:
        errors.append(FieldError(
            rename_path("received_at", field_map), ErrorCode.RECEIVED_IN_FUTURE,
            "受理时间晚于当前时间",
        ))
    if draft.occurred_at is not None and draft.occurred_at > received:
        errors.append(FieldError(
            rename_path("occurred_at", field_map), ErrorCode.OCCURRED_IN_FUTURE,
            "发生时间不能晚于受理时间",
        ))
    if draft.reporter is None and draft.channel in CITIZEN_CHANNELS:
        errors.append(FieldError(
            rename_path("reporter", field_map), ErrorCode.MISSING,
            f"{draft.channel.label}须说明举报人保护方式(实名/保密/匿名)",
        ))
    return errors


def validate_complaint(
    data: Mapping[str, Any] | ComplaintIn,
    registry: DivisionRegistry,
    *,
    now: datetime,
    field_map: Mapping[str, str] | None = None,
) -> Complaint:
    """The accepted complaint, or IntakeRejected listing every error (not only the first)."""
    errors: list[FieldError] = []
    draft: ComplaintIn | None = None
    codes: tuple[object, object]
    if isinstance(data, ComplaintIn):
        draft = data
        codes = (data.place_code, data.town_code)
    elif isinstance(data, Mapping):
        codes = (data.get("place_code"), data.get("town_code"))
        try:
            draft = ComplaintIn.model_validate(dict(data))
        except ValidationError as exc:
            errors.extend(errors_from_pydantic(exc, field_map))
    else:
        raise IntakeRejected([FieldError("$", ErrorCode.WRONG_TYPE, "请求体须为 JSON 对象")])
    # Checked even when other fields failed, so the caller sees every error in one round trip.
    place, place_errors = _check_place(*codes, registry, field_map)
    errors.extend(place_errors)
    if draft is not None:
        errors.extend(_check_times_and_reporter(draft, now, field_map))
    if errors or draft is None or place is None:
        raise IntakeRejected(errors)
    fields = dict(draft)
    fields["received_at"] = draft.received_at or now
    return Complaint.model_construct(
        **fields, place=place, routing=derive_routing(draft.subject)
    )
