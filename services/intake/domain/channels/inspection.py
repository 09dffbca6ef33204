"""Inspection finding 巡察发现问题 -> complaint.

Findings handed over by an inspection group 巡察组 are institutional: there is no citizen
reporter to protect, and the group plus its finding number identify the record.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..categories import guess_category
from ..complaint import (
    AmountYuan,
    Attachments,
    DescriptionText,
    LandMu,
    ShortText,
    Timestamp,
)
from ..fields import CategoryField, LevelField, RoleField
from ..vocabulary import Channel, SubjectRole
from .base import NATIVE_CONFIG, meta


class InspectionFinding(BaseModel):
    """A finding 问题线索 as an inspection group hands it over 移交."""

    model_config = NATIVE_CONFIG

    inspection_group: ShortText  # 巡察组, e.g. 漳浦县委第二巡察组
    inspection_round: ShortText | None = None  # 巡察轮次, e.g. 2024年第一轮
    finding_no: ShortText  # 问题编号 (unique within the group)
    problem_description: DescriptionText  # 问题描述
    involved_unit: ShortText | None = None  # 涉及单位
    involved_person: ShortText | None = None  # 涉及人员
    involved_role: RoleField = SubjectRole.OTHER
    involved_level: LevelField | None = None
    category: CategoryField | None = None
    place_code: str = Field(max_length=20)
    found_at: Timestamp | None = None  # 发现时间
    handed_over_at: Timestamp  # 移交时间
    amount_yuan: AmountYuan | None = None  # 涉及金额
    land_mu: LandMu | None = None  # 涉及面积
    attachments: Attachments = ()


FIELD_MAP = {
    "external_ref": "finding_no",
    "description": "problem_description",
    "subject": "involved_unit",
    "occurred_at": "found_at",
    "received_at": "handed_over_at",
}


def inspection_to_complaint(finding: InspectionFinding) -> dict[str, Any]:
    subject = None
    if finding.involved_unit or finding.involved_person:
        subject = {
            "name": finding.involved_person,
            "unit": finding.involved_unit,
            "role": finding.involved_role,
            "level": finding.involved_level,
        }
    return {
        "channel": Channel.INSPECTION,
        "external_ref": f"{finding.inspection_group}/{finding.finding_no}",
        "place_code": finding.place_code,
        "category": finding.category or guess_category(finding.problem_description),
        "subject": subject,
        "description": finding.problem_description,
        "amount_yuan": finding.amount_yuan,
        "land_mu": finding.land_mu,
        "attachments": finding.attachments,
        "occurred_at": finding.found_at,
        "received_at": finding.handed_over_at,
        "reporter": None,
        "channel_meta": meta(
            inspection_group=finding.inspection_group,
            inspection_round=finding.inspection_round,
            category_guessed="1" if finding.category is None else None,
        ),
    }
