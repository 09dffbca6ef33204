from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.intake.domain.categories import guess_category
from services.intake.domain.channels import accept_native
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.errors import ErrorCode, IntakeRejected
from services.intake.domain.idempotency import channel_key, visit_key
from services.intake.domain.vocabulary import (
    Category,
    Channel,
    Level,
    ReporterMode,
    SubjectRole,
)

from .conftest import BANLI, NOW, SHITOU, TIANCUO, XIAZHAI, ZHENGDA


def rejected(channel: Channel, data: Any, registry: DivisionRegistry) -> dict[str, ErrorCode]:
    with pytest.raises(IntakeRejected) as caught:
        accept_native(channel, data, registry, now=NOW)
    return {e.field: e.code for e in caught.value.errors}


HOTLINE: dict[str, Any] = {
    "work_order_no": "ZZ12345-20240603-00871",
    "content": "正达村上游丹岩村把溪水截住,正达村几十亩水稻灌溉无水,多次反映无人处理。",
    "appeal_type": "投诉",
    "hotline_category": "农业农村/水利",
    "caller_name": "郑某某",
    "caller_phone": "13959612345",
    "place_code": ZHENGDA,
    "town_code": BANLI,
    "accepted_at": "2024-06-03T08:15:00+08:00",
    "platform_extra_field": "ignored",
}


def test_hotline_work_order_maps_onto_a_complaint(registry: DivisionRegistry) -> None:
    (c,) = accept_native(Channel.HOTLINE_12345, HOTLINE, registry, now=NOW).complaints
    assert c.channel is Channel.HOTLINE_12345
    assert c.external_ref == "ZZ12345-20240603-00871"
    assert c.idempotency_key == channel_key(Channel.HOTLINE_12345, "ZZ12345-20240603-00871")
    assert c.category is Category.LIVELIHOOD  # guessed: the platform's taxonomy is not ours
    assert c.channel_meta["category_guessed"] == "1"
    assert c.channel_meta["appeal_type"] == "投诉"
    assert c.place.village is not None and c.place.village.code == ZHENGDA
    assert c.reporter is not None and c.reporter.mode is ReporterMode.NAMED
    assert c.reporter.contact is not None and c.reporter.contact.phone == "13959612345"
    assert c.received_at.isoformat() == "2024-06-03T08:15:00+08:00"


def test_hotline_anonymous_caller_keeps_no_number(registry: DivisionRegistry) -> None:
    (c,) = accept_native(
        Channel.HOTLINE_12345, {**HOTLINE, "anonymous": True}, registry, now=NOW
    ).complaints
    assert c.reporter is not None and c.reporter.mode is ReporterMode.ANONYMOUS
    assert c.reporter.contact is None


def test_hotline_confidential_and_explicit_category(registry: DivisionRegistry) -> None:
    order = {**HOTLINE, "confidential": True, "category": "生态环境"}
    (c,) = accept_native(Channel.HOTLINE_12345, order, registry, now=NOW).complaints
    assert c.reporter is not None and c.reporter.mode is ReporterMode.CONFIDENTIAL
    assert c.category is Category.ECOLOGY and "category_guessed" not in c.channel_meta


def test_hotline_errors_use_the_hotlines_field_names(registry: DivisionRegistry) -> None:
    order = {**HOTLINE, "caller_phone": "12345", "content": "", "place_code": "350605200299"}
    del order["work_order_no"]
    assert rejected(Channel.HOTLINE_12345, order, registry) == {
        "work_order_no": ErrorCode.MISSING,
        "content": ErrorCode.BLANK,
    }
    order = {**HOTLINE, "caller_phone": "12345"}
    assert rejected(Channel.HOTLINE_12345, order, registry) == {"caller_phone": ErrorCode.BAD_PHONE}
    order = {**HOTLINE, "caller_name": None}
    assert rejected(Channel.HOTLINE_12345, order, registry) == {
        "caller_name": ErrorCode.CONTACT_REQUIRED
    }
    order = {**HOTLINE, "place_code": SHITOU}  # 狮头村 is not in 坂里乡
    assert rejected(Channel.HOTLINE_12345, order, registry) == {
        "place_code": ErrorCode.INCONSISTENT_DIVISION
    }


PETITION: dict[str, Any] = {
    "petition_no": "漳信〔2024〕0412号",
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
}


def test_petition_maps_with_confidential_identity_by_default(registry: DivisionRegistry) -> None:
    (c,) = accept_native(Channel.PETITION, PETITION, registry, now=NOW).complaints
    assert c.channel is Channel.PETITION and c.category is Category.SANZI
    assert c.external_ref == "漳信〔2024〕0412号"
    assert c.reporter is not None and c.reporter.mode is ReporterMode.CONFIDENTIAL
    assert c.reporter.contact is not None
    assert c.reporter.contact.id_number == "350628198512300046"
    assert c.reporter.contact.phone == "05963212345"
    assert c.channel_meta == {"petition_form": "letter", "joint_count": "12"}
    assert c.subject is not None and c.subject.role is SubjectRole.UNIT
    assert c.place.town.name == "旧镇镇" and c.place.county.name == "漳浦县"


def test_unsigned_petition_letter_is_anonymous(registry: DivisionRegistry) -> None:
    letter = {k: v for k, v in PETITION.items() if not k.startswith("petitioner")}
    (c,) = accept_native(
        Channel.PETITION, {**letter, "anonymous": True}, registry, now=NOW
    ).complaints
    assert c.reporter is not None and c.reporter.mode is ReporterMode.ANONYMOUS


def test_petition_errors(registry: DivisionRegistry) -> None:
    bad = {**PETITION, "petitioner_id_number": "350628198512300047", "form": "fax",
           "joint_count": 0}
    assert rejected(Channel.PETITION, bad, registry) == {
        "form": ErrorCode.UNKNOWN_CHOICE,
        "joint_count": ErrorCode.OUT_OF_RANGE,
    }
    bad = {**PETITION, "petitioner_id_number": "350628198512300047"}
    assert rejected(Channel.PETITION, bad, registry) == {
        "petitioner_id_number": ErrorCode.BAD_ID_NUMBER
    }


ONLINE: dict[str, Any] = {
    "submission_id": "web-7f3c9a",
    "reporter_mode": "confidential",
    "reporter_name": "黄某某",
    "reporter_email": "huang.reporter@example.com",
    "place_code": TIANCUO,
    "category": "ecology",
    "title": "田厝村海域违规养殖",
    "description": "村干部亲属在已清理海域重新投放牡蛎浮球,镇里检查时提前通风报信。",
    "subject_name": "田厝村党支部书记",
    "subject_role": "village_cadre",
}


def test_online_submission_maps_title_and_contact(registry: DivisionRegistry) -> None:
    (c,) = accept_native(Channel.ONLINE, ONLINE, registry, now=NOW).complaints
    assert c.channel is Channel.ONLINE and c.category is Category.ECOLOGY
    assert c.description.startswith("田厝村海域违规养殖\n村干部亲属")
    assert c.reporter is not None and c.reporter.contact is not None
    assert c.reporter.contact.email == "huang.reporter@example.com"
    assert c.received_at == NOW  # the form sent no time: intake's clock
    assert c.place.town.name == "梅岭镇"


def test_online_anonymous_with_contact_is_refused_on_the_forms_field(
    registry: DivisionRegistry,
) -> None:
    form = {**ONLINE, "reporter_mode": "anonymous"}
    assert rejected(Channel.ONLINE, form, registry) == {
        "reporter_mode": ErrorCode.CONTACT_NOT_ALLOWED
    }
    form = {k: v for k, v in ONLINE.items() if not k.startswith("reporter_")}
    assert rejected(Channel.ONLINE, form, registry) == {"reporter_mode": ErrorCode.MISSING}


def test_escalation_flag_for_a_commissions_own_staff(registry: DivisionRegistry) -> None:
    form = {**ONLINE, "subject_name": "梅岭镇纪委某干部", "subject_role": "commission_staff",
            "subject_level": "town", "category": "conduct"}
    (c,) = accept_native(Channel.ONLINE, form, registry, now=NOW).complaints
    assert c.routing.escalated and c.routing.handling_level is Level.COUNTY
    form = {**form, "subject_role": "纪委监委领导", "subject_level": "county"}
    (c,) = accept_native(Channel.ONLINE, form, registry, now=NOW).complaints
    assert c.routing.escalated and c.routing.handling_level is Level.CITY
    (c,) = accept_native(Channel.ONLINE, ONLINE, registry, now=NOW).complaints
    assert not c.routing.escalated and c.routing.handling_level is Level.TOWN


INSPECTION: dict[str, Any] = {
    "inspection_group": "平和县委第三巡察组",
    "inspection_round": "2024年第一轮",
    "finding_no": "XC-03-017",
    "problem_description": "霞寨镇花山溪拦截断面整治项目未经比选直接指定施工队,工程款38万元。",
    "involved_unit": "霞寨镇农业农村服务中心",
    "place_code": XIAZHAI,
    "handed_over_at": "2024-05-30T16:00:00+08:00",
    "found_at": "2024-05-20T00:00:00+08:00",
    "amount_yuan": 380000,
}


def test_inspection_finding_is_institutional(registry: DivisionRegistry) -> None:
    (c,) = accept_native(Channel.INSPECTION, INSPECTION, registry, now=NOW).complaints
    assert c.channel is Channel.INSPECTION and c.reporter is None
    assert c.external_ref == "平和县委第三巡察组/XC-03-017"
    assert c.category is Category.BIDDING  # guessed from 比选/施工/工程款
    assert c.subject is not None and c.subject.unit == "霞寨镇农业农村服务中心"
    assert c.place.village is None and c.place.town.name == "霞寨镇"
    assert c.channel_meta["inspection_group"] == "平和县委第三巡察组"


def test_inspection_errors(registry: DivisionRegistry) -> None:
    bad = {**INSPECTION, "handed_over_at": "2024-05-30 16:00", "amount_yuan": "三十八万"}
    assert rejected(Channel.INSPECTION, bad, registry) == {
        "handed_over_at": ErrorCode.NAIVE_DATETIME,
        "amount_yuan": ErrorCode.WRONG_TYPE,
    }
    bad = {**INSPECTION, "found_at": "2024-06-01T00:00:00+08:00"}  # after handover
    assert rejected(Channel.INSPECTION, bad, registry) == {"found_at": ErrorCode.OCCURRED_IN_FUTURE}


VISIT: dict[str, Any] = {
    "log_id": "ZF-350605200-20240601-07",
    "officer_id": "officer-0412",
    "village_code": ZHENGDA,
    "visited_on": "2024-06-01",
    "households_visited": 14,
    "persons_visited": 31,
    "recorded_at": "2024-06-01T18:20:00+08:00",
    "problems": [
        {"category": "livelihood", "description": "上游丹岩村截水,正达村三组农田缺水。"},
        {"category": "benefits", "description": "反映村里低保评定未公示,名单中有村干部亲属。",
         "subject_name": "正达村委会", "subject_role": "unit",
         "resident": {"mode": "confidential",
                      "contact": {"name": "郑某", "phone": "13859654321"}}},
    ],
}


def test_household_visit_log_becomes_a_record_and_complaints(registry: DivisionRegistry) -> None:
    accepted = accept_native(Channel.HOUSEHOLD_VISIT, VISIT, registry, now=NOW)
    visit = accepted.visit
    assert visit is not None
    assert (visit.households_visited, visit.persons_visited, visit.problem_count) == (14, 31, 2)
    assert visit.visited_on == date(2024, 6, 1) and visit.place.code == ZHENGDA
    assert visit.idempotency_key == visit_key("ZF-350605200-20240601-07")
    first, second = accepted.complaints
    assert {first.channel, second.channel} == {Channel.HOUSEHOLD_VISIT}
    assert first.external_ref == "ZF-350605200-20240601-07#1"
    assert second.external_ref == "ZF-350605200-20240601-07#2"
    assert first.reporter is None
    assert second.reporter is not None and second.reporter.mode is ReporterMode.CONFIDENTIAL
    assert first.channel_meta == {"visit_log_id": VISIT["log_id"], "officer_id": "officer-0412"}


def test_a_visit_with_no_problems_still_counts(registry: DivisionRegistry) -> None:
    accepted = accept_native(Channel.HOUSEHOLD_VISIT, {**VISIT, "problems": []}, registry, now=NOW)
    assert accepted.complaints == ()
    assert accepted.visit is not None and accepted.visit.problem_count == 0


def test_visit_errors_point_into_the_problem_list(registry: DivisionRegistry) -> None:
    problems = [VISIT["problems"][0], {"category": "税务", "description": "x" * 6000}]
    assert rejected(Channel.HOUSEHOLD_VISIT, {**VISIT, "problems": problems}, registry) == {
        "problems[1].category": ErrorCode.UNKNOWN_CATEGORY,
        "problems[1].description": ErrorCode.TOO_LONG,
    }
    assert rejected(Channel.HOUSEHOLD_VISIT, {**VISIT, "village_code": BANLI + "999"}, registry) == {
        "village_code": ErrorCode.UNKNOWN_DIVISION
    }
    late = {**VISIT, "visited_on": "2024-06-02"}
    assert rejected(Channel.HOUSEHOLD_VISIT, late, registry) == {
        "visited_on": ErrorCode.OCCURRED_IN_FUTURE
    }
    assert rejected(Channel.HOUSEHOLD_VISIT, {**VISIT, "households_visited": "many"}, registry) == {
        "households_visited": ErrorCode.WRONG_TYPE
    }


def test_native_records_must_be_objects(registry: DivisionRegistry) -> None:
    for channel in Channel:
        assert rejected(channel, "not a record", registry) == {"$": ErrorCode.WRONG_TYPE}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("村集体山林承包合同租金长期未入账", Category.SANZI),
        ("村道硬化工程没有招标直接给了村主任的亲戚施工", Category.BIDDING),
        ("村干部盖万能章,办事态度恶劣", Category.CONDUCT),
        ("低保名额被优先给了村干部家属,真正困难户评不上", Category.BENEFITS),
        ("养殖场污水直排花山溪", Category.ECOLOGY),
        ("两村因引水灌溉发生纠纷", Category.LIVELIHOOD),
        ("请问户口迁移怎么办理", Category.OTHER),
    ],
)
def test_category_guess(text: str, category: Category) -> None:
    assert guess_category(text) is category
