"""Concept lexicon 概念词表 for duplicate clustering.

Citizens, hotline operators, petition clerks and inspectors describe one problem in different
words: a 村支书 is a 党支部书记, a 小舅子 and a 女婿 are both 亲属, 截住 and 拦坝 both cut off water.
Folding each group onto one symbol lets character bigrams see a paraphrase as the same text.
Groups follow the problem categories in DOMAIN.md; add words here, not special cases in code.
"""

from __future__ import annotations

import re

_GROUPS: dict[str, str] = {
    # people and relations 人员与关系
    "书记": "村党支部书记 党总支书记 党支部书记 村支部书记 支部书记 村支书 村书记 支书 书记",
    "副主任": "村委会副主任 副主任",
    "主任": "村民委员会主任 村委会主任 村委主任 村主任 村长 主任",
    "会计": "报账员 会计 出纳 文书",
    "干部": "村两委成员 村两委 两委 村委干部 村干部 干部 负责人",
    "亲属": "小舅子 舅子 女婿 侄子 外甥 胞弟 弟弟 哥哥 表哥 表弟 堂弟 儿子 亲家 妻子 老婆 连襟 "
    "姐夫 妹夫 亲戚 亲属 家属 亲人",
    # collective assets 三资
    "发包": "包出去 包给 租给 卖给 承包权 承包 发包 出租 租赁 招租 转让",
    "租金": "承包费 承包金 承包款 承包价格 承包价 租金 租费",
    "低价": "低于市场价 低于市价 明显低于 远低于 价格太低 价格偏低 低价 偏低 太低",
    "入账": "集体账户 村集体账 村财务 纳入 入账 进账 账上 村账 账目 账",
    "公开": "公开栏 公示 公开 公布",
    "去向": "去向不明 去向 去哪 哪里去了 被谁拿",
    "鱼塘": "鱼塘 池塘 水塘",
    "山林": "集体山林 山林 林地 山场 后山",
    "果园": "柚子园 蜜柚园 柚园 果园 茶园 茶山",
    "校舍": "旧小学 校舍 小学 学校",
    "卖": "卖了 变卖 出售 处置",
    "白条": "打白条 白条",
    "补偿": "补偿款 补偿费 征地款 青苗补偿 补偿",
    "征地": "征收 征地 征了",
    # projects and bidding 工程招投标
    "招标": "招投标 公开招标 招标 比选 投标 竞标 竞价",
    "围标": "围标 串标 陪标 关联企业 同一个老板 实际控制人相同",
    "拆分": "化整为零 拆分为 拆分成 拆分 拆成",
    "施工": "工程队 施工队 施工方 施工单位 包工头 承建 承接 施工",
    "路": "路面 村道 道路 小巷 水泥路 硬化",
    "质量": "质量差 质量低劣 掉皮 开裂 漏水 下沉",
    # conduct 作风
    "空白章": "万能章 空白信笺 空白证明 空白纸 空白材料 预盖 预先加盖 盖好章",
    "章": "公章 印章 盖章",
    "赌": "打牌 赌博 棋牌",
    "酒": "喝酒 饮酒 酒气",
    "送礼": "礼金 红包 送礼 送烟 请客 请他吃饭 吃饭",
    "态度": "态度恶劣 态度粗暴 态度非常差 态度差 说话很冲 说话冲",
    "推诿": "推诿 扯皮 来回 跑了 多次往返 拖着",
    "缺岗": "锁着门 锁门 无人值班 不在岗 找不到人 没人接",
    "公车": "公务用车 公车",
    # benefits 惠民政策
    "低保": "最低生活保障 低保",
    "种粮补贴": "耕地地力保护补贴 地力保护补贴 种粮补贴 地力补贴",
    "补贴": "补贴 补助 津贴 供养金 救助金 生活费",
    "冒领": "冒领 代领 代管 领走",
    "高龄": "八十岁以上 八十多岁 高龄",
    "危房": "危房改造 危房",
    "医保": "医疗保险 医保",
    "扣": "少于应得 只拿到一半 少发 少给 扣减 扣了 截留 克扣 扣",
    "代收": "统一收了 代收 收了",
    "缴": "未按时缴纳 没给我交上 缴纳 交上 没交 缴费",
    "统筹": "统筹 统一修",
    # ecology 生态环境
    "养殖设施": "浮球 吊养 渔排 网箱",
    "海域": "海域 海上 那片海 海面",
    "海滩": "海滩 沙滩 海边",
    "清理": "清理 清退 整治 拆除",
    "回潮": "回潮 重新 新增 又有人",
    "渔网": "渔网 泡沫 塑料",
    "牡蛎": "牡蛎 海蛎",
    "排": "往外排 偷排 直排 排放 排污 排进 排到 排入 冲进 排黑水",
    "污水": "污水 废水 尾水 黑水 粪污 猪粪 鸭粪",
    "臭": "发臭 臭味 刺鼻 浓烟 臭",
    "猪场": "生猪养殖场 养猪场 猪场",
    "采砂": "采砂 挖沙 河沙 采沙",
    "焚烧": "焚烧 烧垃圾",
    "渣土": "建筑垃圾 建筑渣土 渣土",
    "砍": "砍伐 砍了 砍",
    "采石": "采石场 开采石 采石 石料",
    "爆破": "爆破 放炮",
    # livelihood 民生纠纷
    "截水": "截走 截住 拦坝 筑坝 拦住 拦水 截水 断流",
    "缺水": "没有水 没水 无水 缺水 水荒 干旱 旱情",
    "灌溉": "灌溉 浇灌 放水",
    "饮用水": "自来水 饮用水 饮水 水管 管道",
    "界": "山界 界线 权属 边界 归属",
    "邻村": "隔壁村 相邻村 邻村",
    "争议": "没划清 不清 争议",
    "果树": "柚子树 蜜柚树 柚树 果树",
    "纠纷": "纠纷 矛盾 争执 冲突 对峙 争水 争用 吵",
    "工资": "工资 工钱",
    "欠": "拖欠 欠",
    "泊位": "泊位 停靠",
    "停水": "停水 断水",
}

# Every report says some of these; they carry no information about which problem it is.
_BOILERPLATE_WORDS = (
    "来电人反映 市民来电 来电人 反映 举报 请求 要求 希望 有关部门 相关部门 尽快 "
    "调查处理 查处 调查 处理 走访中 走访发现 走访 发现 多名 部分 村民 群众 我们 村里 "
    "我家 一直 至今 问题 存在 情况 涉嫌 怀疑 严重 明显 已经 这个 那个 那片 这些 什么 "
    "请 的 了 是 在 也 都 就 还 说 把 被 给 有 和 与 其"
)
BOILERPLATE: tuple[str, ...] = tuple(sorted(_BOILERPLATE_WORDS.split(), key=len, reverse=True))


# Each concept becomes one private-use character, so it survives as a single "word".
CONCEPT_SYMBOLS: dict[str, str] = {
    word: chr(0xE000 + index)
    for index, words in enumerate(_GROUPS.values())
    for word in words.split()
}
CONCEPT_NAMES = {chr(0xE000 + i): name for i, name in enumerate(_GROUPS)}
# One alternation, longest words first: at each position the longest variant wins, so 承包费
# is 租金, not 发包 + 费.
CONCEPT_PATTERN = re.compile(
    "|".join(re.escape(w) for w in sorted(CONCEPT_SYMBOLS, key=len, reverse=True))
)
BOILERPLATE_PATTERN = re.compile("|".join(re.escape(w) for w in BOILERPLATE))
