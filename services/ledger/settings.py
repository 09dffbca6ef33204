"""Ledger settings (问题台账服务): time limits, thresholds, class-of-case rules, the sweep.

Every limit the commissions may set locally is here, read from the environment like the rest
(JSON for the structured ones, e.g. `RECTIFICATION_WORKING_DAYS='{"sanzi": 60}'`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

REPO_DATA = Path(__file__).resolve().parents[2] / "data"
CATEGORY_CODES = r"^(sanzi|bidding|conduct|benefits|ecology|livelihood|other)$"


class ClassRuleTemplate(BaseModel):
    """A class-of-case rule (类案促改规则) applied in every county: problems of one category or
    pattern in at least `min_villages` villages or `min_towns` towns of a county within one
    `period` open a class-of-case item for the county."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    label: str = Field(min_length=1, max_length=100)
    category: str | None = Field(default=None, pattern=CATEGORY_CODES)
    keywords: tuple[str, ...] = ()
    min_villages: int | None = Field(default=None, ge=2)
    min_towns: int | None = Field(default=None, ge=2)
    period: Literal["month", "quarter", "year"] = "quarter"

    @model_validator(mode="after")
    def _needs_a_pattern_and_a_threshold(self) -> ClassRuleTemplate:
        if self.category is None and not self.keywords:
            raise ValueError("a rule needs a category or keywords")
        if self.min_villages is None and self.min_towns is None:
            raise ValueError("a rule needs min_villages or min_towns")
        return self


DEFAULT_CLASS_RULES = [
    ClassRuleTemplate(rule_id="sanzi", label="村集体“三资”管理问题", category="sanzi",
                      min_villages=5, min_towns=3),
    ClassRuleTemplate(rule_id="special-funds", label="专项资金审批使用问题",
                      keywords=("专项资金",), min_villages=3, min_towns=2),
]


class LedgerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "ledger"
    http_port: int = 8002

    # Working-day calendar: operator tables for years chinese-calendar does not know yet.
    calendar_dir: Path = REPO_DATA / "calendar"
    divisions_dir: Path = REPO_DATA / "divisions"

    # Time limits (时限), in working days unless the rule says calendar days (信访).
    rectification_working_days: dict[str, int] = Field(default_factory=dict)
    default_rectification_working_days: int = Field(default=30, ge=1)
    rework_working_days: int = Field(default=10, ge=1)
    acceptance_notice_working_days: int = Field(default=15, ge=1)
    result_notice_working_days: int = Field(default=15, ge=1)
    forward_working_days: int = Field(default=5, ge=1)
    petition_accept_days: int = Field(default=15, ge=1)
    petition_close_days: int = Field(default=60, ge=1)
    petition_max_extension_days: int = Field(default=30, ge=0)

    # Scorecards (成绩单): a reporter at or below this sends the problem back automatically.
    dissatisfied_at_or_below: int = Field(default=2, ge=1, le=4)
    satisfied_at_or_above: int = Field(default=4, ge=2, le=5)

    # Escalation (督办): tier 1 to the county when overdue or reworked this often; tier 2 to
    # the city when this many working days overdue.
    escalate_after_reworks: int = Field(default=3, ge=1)
    escalate_to_city_after_overdue_days: int = Field(default=5, ge=0)

    # Class-of-case detection (类案促改).
    class_of_case_rules: list[ClassRuleTemplate] = Field(
        default_factory=lambda: list(DEFAULT_CLASS_RULES)
    )

    # The clock sweep: reminders this many working days before a deadline, overdue notices,
    # escalation tiers.
    sweep_interval_seconds: float = Field(default=300.0, gt=0)
    sweep_batch: int = Field(default=200, ge=1, le=5000)
    deadline_warning_working_days: int = Field(default=3, ge=0)
    run_sweep: bool = True

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> LedgerSettings:
        if self.dissatisfied_at_or_below >= self.satisfied_at_or_above:
            raise ValueError("DISSATISFIED_AT_OR_BELOW must be below SATISFIED_AT_OR_ABOVE")
        return self
