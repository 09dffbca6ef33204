"""Category guessing 问题类别识别 for channels whose own classification is not ours.

12345 work orders and inspection findings arrive with the sender's taxonomy (or none). A keyword
vote picks one of our categories; it is a default the township officer can correct, so it favours
being simple and explainable over being clever.
"""

from __future__ import annotations

from .vocabulary import Category


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Order matters on ties: the more specific discipline categories win over 民生纠纷 / 其他.
_KEYWORDS: dict[Category, tuple[str, ...]] = {
    Category.SANZI: _words(
        "三资 集体资金 集体资产 集体资源 集体土地 集体收入 村财 账目 "
        "财务公开 承包 发包 租金 出租 租赁 合同 鱼塘 山林 林地 "
        "征地款 补偿款 分红 店面 厂房"
    ),
    Category.BIDDING: _words(
        "招投标 招标 投标 围标 串标 陪标 工程 项目 施工 道路硬化 "
        "水泥路 造价 验收 转包 分包 比选"
    ),
    Category.CONDUCT: _words(
        "作风 优亲厚友 万能章 吃拿卡要 态度 推诿 不作为 乱作为 公款吃喝 "
        "酒驾 打牌 赌博 上班时间 收礼 红包 吃请 刁难 盖章"
    ),
    Category.BENEFITS: _words(
        "低保 特困 五保 补贴 补助 救助 惠民 危房改造 医保 养老 "
        "残疾人 扶贫 助学 优抚 救济 种粮 临时救助"
    ),
    Category.ECOLOGY: _words(
        "污染 排污 污水 水质 养殖 牡蛎 浮球 生猪 臭 垃圾 焚烧 "
        "滥伐 砍伐 采砂 化肥 农药 花山溪 河道 生态 违建"
    ),
    Category.LIVELIHOOD: _words(
        "纠纷 用水 引水 水荒 缺水 灌溉 邻里 宅基地 矛盾 山界 地界 "
        "拖欠 工资 历史遗留"
    ),
}


def category_keywords(category: Category) -> tuple[str, ...]:
    """Words typical of a category (none for 其他)."""
    return _KEYWORDS.get(category, ())


def category_scores(text: str) -> dict[Category, int]:
    return {cat: sum(text.count(word) for word in words) for cat, words in _KEYWORDS.items()}


def guess_category(text: str) -> Category:
    """The category whose keywords appear most often; 其他 when none appear."""
    scores = category_scores(text)
    best = max(scores, key=lambda cat: scores[cat])  # dict order breaks ties
    return best if scores[best] > 0 else Category.OTHER
