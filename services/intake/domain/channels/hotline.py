"""12345 hotline work order 12345热线工单 -> complaint.

The hotline forwards orders whose matter is discipline-related (投诉/举报 about cadres, 三资 ...).
The caller's number is always known to the hotline; a caller who asked for anonymity 匿名 is
mapped without it, so intake never stores it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from ..categories import guess_category
from ..complaint import (
    AmountYuan,
    Attachments,
    DescriptionText,
    LandMu,
    ShortText,
    Timestamp,
)
from ..fields import CategoryField
from ..vocabulary import Category, Channel, ReporterMode
from .base import SUBJECT_FIELD_MAP, SubjectFields, meta


class AppealType(StrEnum):
    """诉求类型 as the hotline classifies it."""

    COMPLAINT = "投诉"
    REPORT = "举报"
    HELP = "求助"
    SUGGESTION = "建议"
    CONSULTATION = "咨询"


class HotlineWorkOrder(SubjectFields):
    """A work order 工单 as the 12345 platform sends it."""

    work_order_no: ShortText  # 工单号
    content: DescriptionText  # 诉求内容
    appeal_type: AppealType = AppealType.COMPLAINT  # 诉求类型
    category: CategoryField | None = None  # our category if the platform maps it; else guessed
    hotline_category: ShortText | None = None  # 平台业务分类, kept for the record
    caller_name: ShortText | None = None  # 来电人
    caller_phone: str | None = Field(default=None, max_length=32)  # 来电号码
    confidential: bool = False  # 要求保密
    anonymous: bool = False  # 要求匿名
    place_code: str = Field(max_length=20)  # 事发地区划代码
    town_code: str | None = Field(default=None, max_length=20)  # 事发乡镇(街道)代码
    incident_address: ShortText | None = None  # 事发详细地址(组、路)
    accepted_at: Timestamp  # 受理时间
    occurred_at: Timestamp | None = None  # 事发时间
    amount_yuan: AmountYuan | None = None
    land_mu: LandMu | None = None
    attachments: Attachments = ()  # 通话录音等附件


FIELD_MAP = {
    **SUBJECT_FIELD_MAP,
    "external_ref": "work_order_no",
    "description": "content",
    "received_at": "accepted_at",
    "reporter": "caller_name",
    "reporter.contact.name": "caller_name",
    "reporter.contact.phone": "caller_phone",
}


def hotline_to_complaint(order: HotlineWorkOrder) -> dict[str, Any]:
    """Canonical complaint fields; validated by `build_complaint_in` with FIELD_MAP."""
    if order.anonymous:
        reporter: dict[str, Any] = {"mode": ReporterMode.ANONYMOUS}
    else:
        mode = ReporterMode.CONFIDENTIAL if order.confidential else ReporterMode.NAMED
        contact = {"name": order.caller_name, "phone": order.caller_phone}
        reporter = {"mode": mode, "contact": {k: v for k, v in contact.items() if v}}
    category: Category = order.category or guess_category(order.content)
    return {
        "channel": Channel.HOTLINE_12345,
        "external_ref": order.work_order_no,
        "place_code": order.place_code,
        "town_code": order.town_code,
        "category": category,
        "subject": order.subject(),
        "description": order.content,
        "amount_yuan": order.amount_yuan,
        "land_mu": order.land_mu,
        "attachments": order.attachments,
        "occurred_at": order.occurred_at,
        "received_at": order.accepted_at,
        "reporter": reporter,
        "channel_meta": meta(
            appeal_type=order.appeal_type.value,
            hotline_category=order.hotline_category,
            incident_address=order.incident_address,
            category_guessed="1" if order.category is None else None,
        ),
    }
