"""Request bodies of pairing's routes: every field bounded, nothing unknown accepted."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.pairing.entrypoints.http.deps import ID_PATTERN
from services.pairing.service_layer.periods import PERIOD_PATTERN

COUNTY = r"^[0-9]{6}$"
TOWN = r"^[0-9]{9}$"
VILLAGE = r"^[0-9]{12}$"
PLACE = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"
OfficerKind = Literal["county_dept", "dispatched_group", "township", "village_supervisor"]
Skill = Literal["finance", "engineering", "ecology", "law", "conduct"]
RelationKind = Literal["kin", "former_colleague", "interest", "other"]
TEXT = r"^[^\x00-\x1f\x7f]*$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PostIn(_In):
    """A past post (历史任职): where and when."""

    unit: str = Field(default="", max_length=128, pattern=TEXT)
    county_code: str = Field(pattern=COUNTY)
    town_code: str | None = Field(default=None, pattern=TOWN)
    village_code: str | None = Field(default=None, pattern=VILLAGE)
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PostIn:
        if self.start and self.end and self.end < self.start:
            raise ValueError("a post cannot end before it starts")
        return self


class OfficerIn(_In):
    """An officer of the registry (干部): kind (内设机构 / 派驻纪检监察组 / 乡镇纪委 / 村级监督),
    current post, native village (籍贯), skills, capacity (承办上限), availability, past posts."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=64, pattern=TEXT)
    kind: OfficerKind
    unit: str = Field(min_length=1, max_length=128, pattern=TEXT)
    county_code: str = Field(pattern=COUNTY)
    town_code: str | None = Field(default=None, pattern=TOWN)
    village_code: str | None = Field(default=None, pattern=VILLAGE)
    native_village_code: str | None = Field(default=None, pattern=VILLAGE)
    skills: list[Skill] = Field(default_factory=list, max_length=5)
    capacity: int = Field(default=5, ge=0, le=100)
    available: bool = True
    past_posts: list[PostIn] = Field(default_factory=list, max_length=50)

    @field_validator("skills")
    @classmethod
    def _distinct(cls, skills: list[str]) -> list[str]:
        if len(set(skills)) != len(skills):
            raise ValueError("a skill is listed twice")
        return skills


class RelationIn(_In):
    """A declared relation (申报关系): kin (亲属), former colleague (同事), interest (利益) or other,
    to a person or unit (matched against complaints' subjects), a place, or one case."""

    kind: RelationKind
    target_kind: Literal["person", "place", "case"]
    target: str = Field(min_length=1, max_length=128, pattern=TEXT)
    note: str | None = Field(default=None, max_length=500, pattern=TEXT)

    @model_validator(mode="after")
    def _target_fits_its_kind(self) -> RelationIn:
        check_target(self.target_kind, self.target)
        return self


def check_target(kind: str, target: str) -> None:
    if kind == "place" and not re.match(PLACE, target):
        raise ValueError("a place target is a county (6), town (9) or village (12 digit) code")
    if kind == "case" and not re.match(ID_PATTERN, target):
        raise ValueError("a case target is a problem id")


class RoundIn(_In):
    """A round over the period's open problems (批量派组). Randomised mode (随机派组) caps every
    officer's chance on a team at q and draws with a seed derived from the input and a value
    published after the inputs were fixed (e.g. a lottery draw)."""

    period: str = Field(pattern=PERIOD_PATTERN)
    mode: Literal["exact", "randomised"] = "exact"
    q: str | None = Field(default=None, pattern=r"^[0-9]{1,4}/[0-9]{1,4}$")
    published_value: str | None = Field(default=None, min_length=1, max_length=128,
                                        pattern=r"^[\w .:+\-/#]+$")
    # Bounded: conflict rules count years back from it, which fails near date's own ends.
    as_of: date | None = Field(default=None, ge=date(1949, 10, 1), le=date(2199, 12, 31))
    on_infeasible: Literal["escalate", "reject"] = "escalate"

    @model_validator(mode="after")
    def _mode_fields(self) -> RoundIn:
        if self.mode == "randomised":
            if self.q is None or self.published_value is None:
                raise ValueError("randomised mode needs q and published_value")
            den = int(self.q.split("/")[1])
            if den == 0 or not 0 < Fraction(self.q) <= 1:
                raise ValueError("q must be a fraction in (0, 1]")
        elif self.q is not None or self.published_value is not None:
            raise ValueError("q and published_value belong to randomised mode")
        return self

    @property
    def cap(self) -> Fraction | None:
        return Fraction(self.q) if self.q else None


class RecusalIn(_In):
    """A member declares a conflict after assignment (事后回避). Without a target the declaration
    is on this case alone; with one it goes on the registry entry for future cases too."""

    officer_id: str = Field(pattern=ID_PATTERN)
    relation: RelationKind
    reason: str = Field(min_length=1, max_length=500, pattern=TEXT)
    target_kind: Literal["person", "place"] | None = None
    target: str | None = Field(default=None, min_length=1, max_length=128, pattern=TEXT)

    @model_validator(mode="after")
    def _target_pair(self) -> RecusalIn:
        if (self.target_kind is None) != (self.target is None):
            raise ValueError("target_kind and target go together")
        if self.target_kind is not None and self.target is not None:
            check_target(self.target_kind, self.target)
        return self


class RosterIn(_In):
    """A rotation roster for one period: county–township pairing (县乡结对) or cross-town
    inspection (跨镇交叉) within a county."""

    period: str = Field(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$")
    kind: Literal["county_township", "cross_town"]
    county_code: str = Field(pattern=COUNTY)
    published_value: str | None = Field(default=None, min_length=1, max_length=128,
                                        pattern=r"^[\w .:+\-/#]+$")
