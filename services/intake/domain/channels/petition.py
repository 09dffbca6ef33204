"""Petition case 信访件 -> complaint.

Petitions come from the 信访 system with the petitioner's identity when it is a named petition
实名信访; an unsigned letter 匿名信 arrives with none. Joint petitions 联名信访 keep their headcount
because the ledger weighs them.
"""

from __future__ import annotations

from enum import StrEnum
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


class PetitionForm(StrEnum):
    """信访形式."""

    LETTER = "letter"  # 来信
    VISIT = "visit"  # 来访
    ONLINE = "online"  # 网上信访
    PHONE = "phone"  # 电话


class PetitionCase(SubjectFields):
    """A petition case 信访件 as the petition system registers it."""

    petition_no: ShortText  # 信访件编号
    form: PetitionForm = PetitionForm.LETTER  # 信访形式
    matter: DescriptionText  # 信访事项
    category: CategoryField  # 问题类别 (the petition office classifies on registration)
    petitioner_name: ShortText | None = None  # 信访人
    petitioner_phone: str | None = Field(default=None, max_length=32)  # 联系电话
    petitioner_id_number: str | None = Field(default=None, max_length=32)  # 身份证号
    petitioner_address: ShortText | None = None  # 住址
    anonymous: bool = False  # 匿名信
    confidential: bool = True  # 信访人信息保密 (the default practice for 检举控告)
    joint_count: int = Field(default=1, ge=1, le=10_000)  # 联名人数
    place_code: str = Field(max_length=20)  # 反映问题所在地区划代码
    town_code: str | None = Field(default=None, max_length=20)
    registered_at: Timestamp  # 登记时间
    occurred_at: Timestamp | None = None
    amount_yuan: AmountYuan | None = None
    land_mu: LandMu | None = None
    attachments: Attachments = ()


FIELD_MAP = {
    **SUBJECT_FIELD_MAP,
    "external_ref": "petition_no",
    "description": "matter",
    "received_at": "registered_at",
    "reporter": "petitioner_name",
    "reporter.contact.name": "petitioner_name",
    "reporter.contact.phone": "petitioner_phone",
    "reporter.contact.id_number": "petitioner_id_number",
    "reporter.contact.address": "petitioner_address",
}


def petition_to_complaint(case: PetitionCase) -> dict[str, Any]:
    if case.anonymous:
        reporter: dict[str, Any] = {"mode": ReporterMode.ANONYMOUS}
    else:
        contact = {
            "name": case.petitioner_name,
            "phone": case.petitioner_phone,
            "id_number": case.petitioner_id_number,
            "address": case.petitioner_address,
        }
        reporter = {
            "mode": ReporterMode.CONFIDENTIAL if case.confidential else ReporterMode.NAMED,
            "contact": {k: v for k, v in contact.items() if v},
        }
    return {
        "channel": Channel.PETITION,
        "external_ref": case.petition_no,
        "place_code": case.place_code,
        "town_code": case.town_code,
        "category": case.category,
        "subject": case.subject(),
        "description": case.matter,
        "amount_yuan": case.amount_yuan,
        "land_mu": case.land_mu,
        "attachments": case.attachments,
        "occurred_at": case.occurred_at,
        "received_at": case.registered_at,
        "reporter": reporter,
        "channel_meta": meta(
            petition_form=case.form.value,
            joint_count=case.joint_count if case.joint_count > 1 else None,
        ),
    }
