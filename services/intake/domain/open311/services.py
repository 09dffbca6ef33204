"""Service discovery: one Open311 service per problem category 问题类别.

`GET /services` lists them; `GET /services/{service_code}` gives the attributes (the extra
fields a client may send as `attribute[code]`). Attribute datatypes are the spec's six:
string, number, datetime, text, singlevaluelist, multivaluelist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..vocabulary import Category, ReporterMode, SubjectRole

GROUP = "基层监督"  # every service belongs to the one group: grassroots supervision


class Datatype(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


@dataclass(frozen=True, slots=True)
class Attribute:
    code: str
    datatype: Datatype
    required: bool
    description: str
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for list datatypes
    variable: bool = True  # false would be an informational, non-input attribute

    def as_dict(self, order: int) -> dict[str, object]:
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype.value,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": order,
            "description": self.description,
            "values": [{"key": k, "name": n} for k, n in self.values],
        }


_DESCRIPTIONS = {
    Category.SANZI: "村集体资金、资产、资源(合同、租赁、土地)问题",
    Category.BIDDING: "村(社区)小型工程项目与招投标问题",
    Category.CONDUCT: "基层干部作风问题,如优亲厚友、万能章、吃拿卡要",
    Category.BENEFITS: "惠民惠农政策、补贴、低保等落实问题",
    Category.ECOLOGY: "生态环境问题,如水体污染、违规养殖",
    Category.LIVELIHOOD: "群众身边的民生纠纷,如用水、山界、拖欠",
    Category.OTHER: "其他基层监督问题",
}
_KEYWORDS = {
    Category.SANZI: "三资,集体资金,集体资产,集体资源,合同,租赁,土地",
    Category.BIDDING: "工程,招投标,围标,串标,项目",
    Category.CONDUCT: "作风,优亲厚友,万能章,吃拿卡要",
    Category.BENEFITS: "惠民政策,低保,补贴,救助",
    Category.ECOLOGY: "生态环境,污染,养殖,水质",
    Category.LIVELIHOOD: "民生,纠纷,用水,矛盾",
    Category.OTHER: "其他",
}

REPORTER_MODE = Attribute(
    "reporter_mode", Datatype.SINGLEVALUELIST, False,
    "举报方式:实名、保密或匿名。未填写时:留有姓名或联系方式按保密处理,否则按匿名处理",
    values=tuple((m.value, m.label) for m in ReporterMode),
)
SUBJECT_NAME = Attribute("subject_name", Datatype.STRING, False, "被反映人姓名或职务")
SUBJECT_UNIT = Attribute("subject_unit", Datatype.STRING, False, "被反映单位")
SUBJECT_ROLE = Attribute(
    "subject_role", Datatype.SINGLEVALUELIST, False,
    "被反映人身份;反映纪检监察干部的,由上一级纪委监委办理",
    values=tuple((r.value, r.label) for r in SubjectRole),
)
OCCURRED_AT = Attribute(
    "occurred_at", Datatype.DATETIME, False, "问题发生时间",
    datatype_description="W3C 日期时间,带时区,如 2024-05-01T09:30:00+08:00",
)
AMOUNT_YUAN = Attribute(
    "amount_yuan", Datatype.NUMBER, False, "涉及金额(元)",
    datatype_description="不小于0,最多两位小数",
)
LAND_MU = Attribute(
    "land_mu", Datatype.NUMBER, False, "涉及土地或海域面积(亩)",
    datatype_description="不小于0",
)

_COMMON = (REPORTER_MODE, SUBJECT_NAME, SUBJECT_UNIT, SUBJECT_ROLE, OCCURRED_AT)
ATTRIBUTES: dict[Category, tuple[Attribute, ...]] = {
    Category.SANZI: (*_COMMON, AMOUNT_YUAN, LAND_MU),
    Category.BIDDING: (*_COMMON, AMOUNT_YUAN),
    Category.CONDUCT: _COMMON,
    Category.BENEFITS: (*_COMMON, AMOUNT_YUAN),
    Category.ECOLOGY: (*_COMMON, LAND_MU),
    Category.LIVELIHOOD: (*_COMMON, AMOUNT_YUAN, LAND_MU),
    Category.OTHER: _COMMON,
}


def service_list() -> list[dict[str, object]]:
    """Body of `GET /services`."""
    return [
        {
            "service_code": category.value,
            "service_name": category.label,
            "description": _DESCRIPTIONS[category],
            "metadata": bool(ATTRIBUTES[category]),
            # Intake stores the request before answering, so the id comes back at once.
            "type": "realtime",
            "keywords": _KEYWORDS[category],
            "group": GROUP,
        }
        for category in Category
    ]


def service_definition(service_code: str) -> dict[str, object] | None:
    """Body of `GET /services/{service_code}`, or None (the lead answers 404)."""
    try:
        category = Category(service_code)
    except ValueError:
        return None
    return {
        "service_code": category.value,
        "attributes": [a.as_dict(i + 1) for i, a in enumerate(ATTRIBUTES[category])],
    }
