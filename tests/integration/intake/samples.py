"""Realistic submissions on real places (statistical division codes), one builder per channel.

Every builder takes a unique reference so tests sharing one database never collide.
"""

from __future__ import annotations

from typing import Any

ZHENGDA = "350605200206"  # 长泰区坂里乡正达村
DANYAN = "350605200205"  # 长泰区坂里乡丹岩村
BANLI = "350605200"  # 长泰区坂里乡
SHITOU = "350623101226"  # 漳浦县旧镇镇狮头村
TIANCUO = "350624102209"  # 诏安县梅岭镇田厝村
XIAZHAI = "350628107"  # 平和县霞寨镇
LINQIAN = "350623104210"  # 漳浦县杜浔镇林前村


def canonical(ref: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "external_ref": ref,
        "place_code": LINQIAN,
        "category": "sanzi",
        "description": f"{ref}:林前村集体鱼塘承包合同到期后仍被原承包户占用,租金三年未收回。",
        "reporter": {"mode": "anonymous"},
    }
    body.update(overrides)
    return body


def named_reporter(
    name: str = "郑晓梅",
    phone: str = "13959612345",
    email: str | None = None,
    id_number: str | None = None,
    mode: str = "confidential",
) -> dict[str, Any]:
    contact = {"name": name, "phone": phone, "email": email, "id_number": id_number}
    return {"mode": mode, "contact": {k: v for k, v in contact.items() if v}}


def hotline(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "work_order_no": ref,
        "content": "正达村上游丹岩村把溪水截住,正达村几十亩水稻灌溉无水,多次反映无人处理。",
        "appeal_type": "投诉",
        "hotline_category": "农业农村/水利",
        "caller_name": "郑某某",
        "caller_phone": "13959612345",
        "place_code": ZHENGDA,
        "town_code": BANLI,
        "accepted_at": "2024-06-03T08:15:00+08:00",
        "platform_extra_field": "ignored",
        **overrides,
    }


def petition(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "petition_no": ref,
        "form": "letter",
        "matter": "狮头村1998年与个人签订的山林承包合同至今未公开,承包费去向不明,要求清查。",
        "category": "三资",
        "petitioner_name": "林某某",
        "petitioner_phone": "0596-3212345",
        "petitioner_id_number": "350628198512300046",
        "joint_count": 12,
        "place_code": SHITOU,
        "registered_at": "2024-05-28T10:00:00+08:00",
        "subject_name": "狮头村委会",
        "subject_role": "unit",
        **overrides,
    }


def online(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "submission_id": ref,
        "reporter_mode": "confidential",
        "reporter_name": "黄某某",
        "reporter_email": "huang.reporter@example.com",
        "place_code": TIANCUO,
        "category": "ecology",
        "title": "田厝村海域违规养殖",
        "description": "村干部亲属在已清理海域重新投放牡蛎浮球,镇里检查时提前通风报信。",
        "subject_name": "田厝村党支部书记",
        "subject_role": "village_cadre",
        **overrides,
    }


def inspection(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "inspection_group": "平和县委第三巡察组",
        "inspection_round": "2024年第一轮",
        "finding_no": ref,
        "problem_description": "霞寨镇花山溪拦截断面整治项目未经比选直接指定施工队,工程款38万元。",
        "involved_unit": "霞寨镇农业农村服务中心",
        "place_code": XIAZHAI,
        "handed_over_at": "2024-05-30T16:00:00+08:00",
        "found_at": "2024-05-20T00:00:00+08:00",
        "amount_yuan": 380000,
        **overrides,
    }


def visit(log_id: str, problems: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    default = [
        {"category": "livelihood", "description": "上游丹岩村截水,正达村三组农田缺水。"},
        {
            "category": "benefits",
            "description": "反映村里低保评定未公示,名单中有村干部亲属。",
            "subject_name": "正达村委会",
            "subject_role": "unit",
            "resident": {"mode": "confidential", "contact": {"name": "郑某", "phone": "13859654321"}},
        },
    ]
    return {
        "log_id": log_id,
        "officer_id": "officer-0412",
        "village_code": ZHENGDA,
        "visited_on": "2024-06-01",
        "households_visited": 14,
        "persons_visited": 31,
        "recorded_at": "2024-06-01T18:20:00+08:00",
        "problems": default if problems is None else problems,
        **overrides,
    }
