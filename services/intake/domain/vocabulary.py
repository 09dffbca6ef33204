"""The intake domain's words 术语: channels, categories, subject roles, levels, reporter modes.

Values are stable ASCII identifiers (they travel in events and URLs); `label` is the Chinese term an
operator from a commission recognises, and parsing accepts either.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class _Labelled(StrEnum):
    """A StrEnum whose members also answer to their Chinese label."""

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, raw: str) -> Self | None:
        text = raw.strip()
        for member in cls:
            if text == member.value or text == _LABELS[member]:
                return member
        return None


class Channel(_Labelled):
    """Where a complaint came in 受理渠道."""

    HOTLINE_12345 = "hotline_12345"  # 12345热线
    PETITION = "petition"  # 信访
    ONLINE = "online"  # 网上举报
    INSPECTION = "inspection"  # 巡察
    HOUSEHOLD_VISIT = "household_visit"  # 入户访查


class Category(_Labelled):
    """Problem category 问题类别, as listed in the domain brief."""

    SANZI = "sanzi"  # 三资
    BIDDING = "bidding"  # 小型工程招投标
    CONDUCT = "conduct"  # 作风
    BENEFITS = "benefits"  # 惠民政策
    ECOLOGY = "ecology"  # 生态环境
    LIVELIHOOD = "livelihood"  # 民生纠纷
    OTHER = "other"  # 其他


class SubjectRole(_Labelled):
    """Who the complaint is about 被反映人身份; decides the 提级 routing flag."""

    VILLAGE_CADRE = "village_cadre"  # 村(社区)干部
    VILLAGE_SUPERVISOR = "village_supervisor"  # 村级纪检委员/村务监督委员会成员
    TOWN_OFFICIAL = "town_official"  # 乡镇干部
    COUNTY_OFFICIAL = "county_official"  # 县直部门干部
    COMMISSION_STAFF = "commission_staff"  # 纪检监察干部
    COMMISSION_LEADER = "commission_leader"  # 纪委监委领导班子成员
    UNIT = "unit"  # 单位
    OTHER = "other"  # 其他


class Level(_Labelled):
    """Administrative / commission level 层级, lowest first."""

    TOWN = "town"  # 乡镇
    COUNTY = "county"  # 县(区)
    CITY = "city"  # 市
    PROVINCE = "province"  # 省

    def above(self) -> Level:
        order = list(Level)
        return order[min(order.index(self) + 1, len(order) - 1)]


class ReporterMode(_Labelled):
    """How the reporter is protected 举报人保护方式."""

    NAMED = "named"  # 实名
    CONFIDENTIAL = "confidential"  # 保密
    ANONYMOUS = "anonymous"  # 匿名


_LABELS: dict[StrEnum, str] = {
    Channel.HOTLINE_12345: "12345热线",
    Channel.PETITION: "信访",
    Channel.ONLINE: "网上举报",
    Channel.INSPECTION: "巡察",
    Channel.HOUSEHOLD_VISIT: "入户访查",
    Category.SANZI: "三资",
    Category.BIDDING: "小型工程招投标",
    Category.CONDUCT: "作风",
    Category.BENEFITS: "惠民政策",
    Category.ECOLOGY: "生态环境",
    Category.LIVELIHOOD: "民生纠纷",
    Category.OTHER: "其他",
    SubjectRole.VILLAGE_CADRE: "村干部",
    SubjectRole.VILLAGE_SUPERVISOR: "村级监督人员",
    SubjectRole.TOWN_OFFICIAL: "乡镇干部",
    SubjectRole.COUNTY_OFFICIAL: "县直部门干部",
    SubjectRole.COMMISSION_STAFF: "纪检监察干部",
    SubjectRole.COMMISSION_LEADER: "纪委监委领导",
    SubjectRole.UNIT: "单位",
    SubjectRole.OTHER: "其他",
    Level.TOWN: "乡镇",
    Level.COUNTY: "县(区)",
    Level.CITY: "市",
    Level.PROVINCE: "省",
    ReporterMode.NAMED: "实名",
    ReporterMode.CONFIDENTIAL: "保密",
    ReporterMode.ANONYMOUS: "匿名",
}
