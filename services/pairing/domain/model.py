"""Registry model of the pairing engine (结对/交叉监督): officers, relations, problems, history.

Place codes are the official statistical division codes: a 12-digit village code (村/社区)
starts with its 9-digit town code (乡镇/街道), which starts with its 6-digit county code (县/区),
which starts with its 4-digit city code (市). Everything below derives the coarser places from
the finer code, so a registry entry can never name a village in one town and the town of
another.

All types are frozen: the engine is a function of its inputs, and an auditor must be able to
re-run it on the recorded inputs and get the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class OfficerKind(StrEnum):
    """Where an officer sits (干部类别)."""

    COUNTY_DEPT = "county_dept"  # 县纪委监委内设机构
    DISPATCHED_GROUP = "dispatched_group"  # 派驻纪检监察组
    TOWNSHIP = "township"  # 乡镇纪委
    VILLAGE_SUPERVISOR = "village_supervisor"  # 村级监督 (村纪检委员/村务监督委员会)


class Level(StrEnum):
    """Administrative level (层级)."""

    COUNTY = "county"  # 县级
    TOWNSHIP = "township"  # 乡镇级
    VILLAGE = "village"  # 村级


LEVEL_OF_KIND: dict[OfficerKind, Level] = {
    OfficerKind.COUNTY_DEPT: Level.COUNTY,
    OfficerKind.DISPATCHED_GROUP: Level.COUNTY,
    OfficerKind.TOWNSHIP: Level.TOWNSHIP,
    OfficerKind.VILLAGE_SUPERVISOR: Level.VILLAGE,
}


class Skill(StrEnum):
    """Specialist skills (专业特长)."""

    FINANCE = "finance"  # 财务/三资
    ENGINEERING = "engineering"  # 工程
    ECOLOGY = "ecology"  # 生态
    LAW = "law"  # 法律
    CONDUCT = "conduct"  # 作风


class Category(StrEnum):
    """Problem categories (问题类别)."""

    SANZI = "sanzi"  # 三资 (农村集体资金、资产、资源)
    BIDDING = "bidding"  # 小型工程招投标
    CONDUCT = "conduct"  # 作风
    BENEFITS = "benefits"  # 惠民政策
    ECOLOGY = "ecology"  # 生态环境
    LIVELIHOOD = "livelihood"  # 民生纠纷
    OTHER = "other"  # 其他


class RelationKind(StrEnum):
    """Declared relation kinds (申报关系)."""

    KIN = "kin"  # 亲属 (近亲属及姻亲)
    FORMER_COLLEAGUE = "former_colleague"  # 同事/上下级
    INTEREST = "interest"  # 利益关系
    OTHER = "other"  # 其他


class TargetKind(StrEnum):
    """What a declared relation points at (关系对象)."""

    PERSON = "person"  # 人员 (person or unit id, matched against a problem's subject)
    PLACE = "place"  # 地点 (village, town or county code)
    CASE = "case"  # 案件 (a problem id: a recusal declared on one case)


def is_village_code(code: str) -> bool:
    return len(code) == 12 and code.isdigit()


def is_town_code(code: str) -> bool:
    return len(code) == 9 and code.isdigit()


def is_county_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def county_of(code: str) -> str:
    """County code of a town or village code (the first 6 digits)."""
    return code[:6]


def city_of(code: str) -> str:
    """City code of a county, town or village code (the first 4 digits)."""
    return code[:4]


def town_of(village_code: str) -> str:
    """Town code of a village code (the first 9 digits)."""
    return village_code[:9]


@dataclass(frozen=True, slots=True)
class Post:
    """A post held (任职): a unit in a county, optionally in a town or a village.

    A county-level post names only the county; a township post names its town; a village
    supervisor's post names the village (the town is derived from it).
    """

    unit: str
    county_code: str
    town_code: str | None = None
    village_code: str | None = None
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if not is_county_code(self.county_code):
            raise ValueError(f"bad county code {self.county_code!r}")
        if self.village_code is not None:
            if not is_village_code(self.village_code):
                raise ValueError(f"bad village code {self.village_code!r}")
            if self.town_code is None:
                object.__setattr__(self, "town_code", town_of(self.village_code))
            elif town_of(self.village_code) != self.town_code:
                raise ValueError("village is not in the post's town")
        if self.town_code is not None:
            if not is_town_code(self.town_code):
                raise ValueError(f"bad town code {self.town_code!r}")
            if county_of(self.town_code) != self.county_code:
                raise ValueError("town is not in the post's county")
        if self.start and self.end and self.end < self.start:
            raise ValueError("post ends before it starts")


@dataclass(frozen=True, slots=True)
class Relation:
    """A declared relation (申报的亲属、同事、利益关系) to a person, a place or a case."""

    kind: RelationKind
    target_kind: TargetKind
    target: str


@dataclass(frozen=True, slots=True)
class Officer:
    """A supervision officer (监督人员) in the registry.

    `capacity` is the number of cases the officer can hold at once in a period (承办上限);
    `available` is false while on leave, training or secondment.
    """

    id: str
    name: str
    kind: OfficerKind
    post: Post
    native_village: str | None = None
    skills: frozenset[Skill] = frozenset()
    capacity: int = 4
    available: bool = True
    past_posts: tuple[Post, ...] = ()
    relations: tuple[Relation, ...] = ()

    def __post_init__(self) -> None:
        if self.native_village is not None and not is_village_code(self.native_village):
            raise ValueError(f"bad native village code {self.native_village!r}")
        if self.capacity < 0:
            raise ValueError("capacity must be >= 0")

    @property
    def level(self) -> Level:
        return LEVEL_OF_KIND[self.kind]

    @property
    def native_town(self) -> str | None:
        return town_of(self.native_village) if self.native_village else None


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem to staff (待派组问题): where it is, what kind, whom it is about.

    `escalated` (提级) marks a complaint about a township commission's own leader or staff:
    it is handled only from the level above (see conflicts.py for the rule chosen).
    """

    id: str
    town_code: str
    category: Category
    village_code: str | None = None
    subject_id: str | None = None
    escalated: bool = False
    priority: int = 0

    def __post_init__(self) -> None:
        if not is_town_code(self.town_code):
            raise ValueError(f"bad town code {self.town_code!r}")
        if self.village_code is not None:
            if not is_village_code(self.village_code):
                raise ValueError(f"bad village code {self.village_code!r}")
            if town_of(self.village_code) != self.town_code:
                raise ValueError("village is not in the problem's town")

    @property
    def county_code(self) -> str:
        return county_of(self.town_code)


@dataclass(frozen=True, slots=True)
class PastAssignment:
    """One past team membership (历史派组): who went where, in which round."""

    officer_id: str
    problem_id: str
    town_code: str
    round: int


@dataclass(frozen=True, slots=True)
class Context:
    """The moment of a decision: the date (for "served within N years") and the round index
    (for "assigned to the same town within the last M rounds"). Passed in, never read."""

    as_of: date
    round: int


@dataclass(frozen=True, slots=True)
class PairingInput:
    """Everything one solve depends on. `open_cases` counts cases an officer still holds,
    which use up capacity; the load-balancing base comes from `history`."""

    officers: tuple[Officer, ...]
    problems: tuple[Problem, ...]
    context: Context
    history: tuple[PastAssignment, ...] = ()
    open_cases: tuple[tuple[str, int], ...] = ()
