"""Household-visit log 入户访查走访日志 -> a visit record plus one complaint per problem found.

The visit itself is a fact that counts (the source reports 47,363 visit person-times in 2022),
even when no problem was found; each problem raised by the household becomes a complaint with
channel `household_visit`, numbered `<log_id>#<n>` so a re-sent log creates nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..complaint import (
    AmountYuan,
    Attachments,
    DescriptionText,
    LandMu,
    ShortText,
    Timestamp,
)
from ..divisions import Place
from ..errors import ErrorCode
from ..fields import CategoryField
from ..idempotency import visit_key
from ..protection.contact import ReporterIn
from ..vocabulary import Channel
from .base import NATIVE_CONFIG, SubjectFields, meta

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # China has one zone and no DST
MAX_PROBLEMS_PER_VISIT = 50


class VisitProblem(SubjectFields):
    """One problem a household raised 走访发现问题."""

    category: CategoryField
    description: DescriptionText
    occurred_at: Timestamp | None = None
    amount_yuan: AmountYuan | None = None
    land_mu: LandMu | None = None
    attachments: Attachments = ()
    resident: ReporterIn | None = None  # the household member, if they want a reply


class VisitLog(BaseModel):
    """A visit log 走访日志 as the township officer's app records it."""

    model_config = NATIVE_CONFIG

    log_id: ShortText  # 日志编号
    officer_id: ShortText  # 走访干部编号 (an id, never a name)
    village_code: str = Field(max_length=20)  # 走访村(社区) 12-digit code
    recorded_at: Timestamp  # 录入时间 (declared before visited_on, which is checked against it)
    visited_on: date  # 走访日期
    households_visited: int = Field(ge=1, le=10_000)  # 走访户数
    persons_visited: int = Field(ge=0, le=100_000)  # 走访人次
    problems: list[VisitProblem] = Field(default_factory=list, max_length=MAX_PROBLEMS_PER_VISIT)

    @field_validator("visited_on")
    @classmethod
    def _visit_before_record(cls, visited_on: date, info: ValidationInfo) -> date:
        recorded_at = info.data.get("recorded_at")
        if recorded_at is not None and visited_on > recorded_at.astimezone(CHINA_TZ).date():
            raise PydanticCustomError(ErrorCode.OCCURRED_IN_FUTURE.value, "走访日期晚于录入时间")
        return visited_on


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """The statistic 走访记录: who visited which village when, how many, how many problems."""

    log_id: str
    officer_id: str
    place: Place
    visited_on: date
    households_visited: int
    persons_visited: int
    problem_count: int
    recorded_at: datetime

    @property
    def idempotency_key(self) -> str:
        return visit_key(self.log_id)


def visit_record(log: VisitLog, place: Place) -> VisitRecord:
    return VisitRecord(
        log_id=log.log_id,
        officer_id=log.officer_id,
        place=place,
        visited_on=log.visited_on,
        households_visited=log.households_visited,
        persons_visited=log.persons_visited,
        problem_count=len(log.problems),
        recorded_at=log.recorded_at,
    )


def problem_ref(log_id: str, index: int) -> str:
    return f"{log_id}#{index + 1}"


def field_map_for(index: int) -> dict[str, str]:
    """Errors in problem `index` are reported at `problems[index].<field>`."""
    at = f"problems[{index}]"
    return {
        "external_ref": "log_id",
        "place_code": "village_code",
        "received_at": "recorded_at",
        "channel_meta": "log_id",
        "reporter": f"{at}.resident",
        "subject": f"{at}.subject_name",
        **{f: f"{at}.{f}" for f in (
            "category", "description", "occurred_at", "amount_yuan", "land_mu", "attachments",
        )},
    }


def problem_to_complaint(log: VisitLog, index: int) -> dict[str, Any]:
    problem = log.problems[index]
    return {
        "channel": Channel.HOUSEHOLD_VISIT,
        "external_ref": problem_ref(log.log_id, index),
        "place_code": log.village_code,
        "category": problem.category,
        "subject": problem.subject(),
        "description": problem.description,
        "amount_yuan": problem.amount_yuan,
        "land_mu": problem.land_mu,
        "attachments": problem.attachments,
        "occurred_at": problem.occurred_at,
        "received_at": log.recorded_at,
        "reporter": problem.resident,
        "channel_meta": meta(visit_log_id=log.log_id, officer_id=log.officer_id),
    }
