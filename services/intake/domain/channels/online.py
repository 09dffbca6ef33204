"""Online submission 网上举报 -> complaint.

The flat shape of the public web / mini-program form: the reporter chooses 实名, 保密 or 匿名
and fills in only what that choice asks for.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..complaint import (
    AmountYuan,
    Attachments,
    DescriptionText,
    LandMu,
    ShortText,
    Timestamp,
)
from ..fields import CategoryField
from ..vocabulary import Channel, ReporterMode
from .base import SUBJECT_FIELD_MAP, SubjectFields, meta


class OnlineSubmission(SubjectFields):
    """The web form 网上举报表单."""

    submission_id: ShortText | None = None  # 提交编号 (the form's own id; else Idempotency-Key)
    reporter_mode: ReporterMode  # 举报方式: named 实名 / confidential 保密 / anonymous 匿名
    reporter_name: ShortText | None = None
    reporter_phone: str | None = Field(default=None, max_length=32)
    reporter_email: str | None = Field(default=None, max_length=254)
    reporter_id_number: str | None = Field(default=None, max_length=32)
    place_code: str = Field(max_length=20)  # chosen from the village picker
    category: CategoryField
    title: ShortText | None = None  # 标题
    description: DescriptionText  # 举报内容
    occurred_at: Timestamp | None = None
    submitted_at: Timestamp | None = None  # the form's clock; intake's clock when absent
    amount_yuan: AmountYuan | None = None
    land_mu: LandMu | None = None
    attachments: Attachments = ()


FIELD_MAP = {
    **SUBJECT_FIELD_MAP,
    "external_ref": "submission_id",
    "received_at": "submitted_at",
    "reporter": "reporter_mode",
    "reporter.contact.name": "reporter_name",
    "reporter.contact.phone": "reporter_phone",
    "reporter.contact.email": "reporter_email",
    "reporter.contact.id_number": "reporter_id_number",
}


def online_to_complaint(form: OnlineSubmission) -> dict[str, Any]:
    contact = {
        "name": form.reporter_name,
        "phone": form.reporter_phone,
        "email": form.reporter_email,
        "id_number": form.reporter_id_number,
    }
    reporter: dict[str, Any] = {"mode": form.reporter_mode}
    if any(contact.values()):
        # An anonymous form with contact filled in is refused (contact_not_allowed), not stripped:
        # the reporter must know their identity was not kept.
        reporter["contact"] = {k: v for k, v in contact.items() if v}
    description = f"{form.title}\n{form.description}" if form.title else form.description
    return {
        "channel": Channel.ONLINE,
        "external_ref": form.submission_id,
        "place_code": form.place_code,
        "category": form.category,
        "subject": form.subject(),
        "description": description,
        "amount_yuan": form.amount_yuan,
        "land_mu": form.land_mu,
        "attachments": form.attachments,
        "occurred_at": form.occurred_at,
        "received_at": form.submitted_at,
        "reporter": reporter,
        "channel_meta": meta(),
    }
