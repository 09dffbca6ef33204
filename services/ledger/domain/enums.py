"""The ledger's vocabulary, each term with its Chinese name as used by the commissions."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """Problem category (问题类别). Same codes as intake, which assigns them."""

    SANZI = "sanzi"  # 三资 (村集体资金、资产、资源)
    BIDDING = "bidding"  # 小型工程招投标
    CONDUCT = "conduct"  # 作风 (含优亲厚友、万能章)
    BENEFITS = "benefits"  # 惠民政策 (含专项资金)
    ECOLOGY = "ecology"  # 生态环境
    LIVELIHOOD = "livelihood"  # 民生纠纷 (矛盾纠纷)
    OTHER = "other"  # 其他


class Source(StrEnum):
    """How the problem was found (问题来源). Intake's channel codes, plus the ledger's own
    special campaigns."""

    HOTLINE_12345 = "hotline_12345"  # 12345 热线
    PETITION = "petition"  # 信访
    ONLINE = "online"  # 网上举报 (检举控告)
    INSPECTION = "inspection"  # 巡察
    HOUSEHOLD_VISIT = "household_visit"  # 入户访查
    SPECIAL_CAMPAIGN = "special_campaign"  # 专项监督


class Level(StrEnum):
    """Commission level that handles the problem (办理层级)."""

    TOWN = "town"  # 乡镇纪委
    COUNTY = "county"  # 县级纪委监委
    CITY = "city"  # 市纪委监委
    PROVINCE = "province"  # 省纪委监委


LEVEL_ORDER: tuple[Level, ...] = (Level.TOWN, Level.COUNTY, Level.CITY, Level.PROVINCE)


def level_above(level: Level) -> Level | None:
    """The next level up (上一级), or None at the top."""
    i = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None


class ProblemStatus(StrEnum):
    """Lifecycle status (办理状态) of a ledger item."""

    REGISTERED = "registered"  # 登记
    ASSIGNED = "assigned"  # 交办
    RECTIFYING = "rectifying"  # 整改中
    AWAITING_REVIEW = "awaiting_review"  # 待检视
    REVIEWED = "reviewed"  # 已检视 (待销号)
    CLOSED = "closed"  # 销号
    FILED_PENDING = "filed_pending"  # 暂存待查
    MERGED = "merged"  # 已合并 (重复件, terminal)


OPEN_STATUSES: frozenset[ProblemStatus] = frozenset(ProblemStatus) - {
    ProblemStatus.CLOSED,
    ProblemStatus.MERGED,
}


class Disposal(StrEnum):
    """Disposal outcome (处置方式) under 检举控告工作规则 (2020)."""

    TALK_OR_LETTER = "talk_or_letter"  # 谈话函询
    PRELIMINARY_VERIFICATION = "preliminary_verification"  # 初步核实
    FILED_PENDING = "filed_pending"  # 暂存待查
    CONCLUDED = "concluded"  # 予以了结


class ReworkCause(StrEnum):
    """Why a problem went back for rework (退回重办 / 重新打开)."""

    REVIEW = "review"  # 检视不通过
    RATING = "rating"  # 群众不满意
    SUPERVISION = "supervision"  # 上级督办 / 回访发现问题


class RaterKind(StrEnum):
    """Who gives a scorecard rating (成绩单点评主体)."""

    REPORTER = "reporter"  # 群众 (反映人)
    ORGANISATION = "organisation"  # 组织
    DEPARTMENT = "department"  # 部门


class ClockKind(StrEnum):
    """Deadline clocks (时限) a problem can run, several at once."""

    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理告知 (15 个工作日)
    RESULT_NOTICE = "result_notice"  # 结果告知 (办结后 15 个工作日)
    RECTIFICATION = "rectification"  # 整改时限
    FORWARD = "forward"  # 转办 (5 个工作日内上转/下转)
    PETITION_ACCEPT = "petition_accept"  # 信访受理告知 (15 日)
    PETITION_CLOSE = "petition_close"  # 信访办结 (60 日, 可延长 ≤30 日)


class DayUnit(StrEnum):
    """How a clock counts days."""

    WORKING = "working"  # 工作日 (含调休)
    CALENDAR = "calendar"  # 自然日


class EvidenceKind(StrEnum):
    """Kind of evidence (佐证材料) for striking an item off."""

    DOCUMENT = "document"  # 文书
    PHOTO = "photo"  # 照片
    RECEIPT = "receipt"  # 票据 / 回款凭证
    CONTRACT = "contract"  # 合同
    MINUTES = "minutes"  # 会议记录
    SITE_CHECK = "site_check"  # 现场核查记录


class DisciplineMeasure(StrEnum):
    """Accountability measure (处理方式) counted as 'people disciplined'."""

    CRITICISM_EDUCATION = "criticism_education"  # 批评教育
    ADMONISHMENT = "admonishment"  # 诫勉
    ORGANISATIONAL = "organisational"  # 组织处理
    PARTY_DISCIPLINE = "party_discipline"  # 党纪处分
    ADMINISTRATIVE_SANCTION = "administrative_sanction"  # 政务处分


class EscalationReason(StrEnum):
    """Why supervision (督办) was escalated."""

    OVERDUE = "overdue"  # 逾期
    REPEATED_REWORK = "repeated_rework"  # 多次退回重办
    UNSTAFFABLE = "unstaffable"  # 无法回避: no conflict-free team could be formed


class ClassOfCaseStatus(StrEnum):
    """Lifecycle of a class-of-case item (类案促改)."""

    OPENED = "opened"  # 已立项
    MEASURE_ADOPTED = "measure_adopted"  # 制度措施已出台
    REVIEWED = "reviewed"  # 已检视
    CLOSED = "closed"  # 已完结
