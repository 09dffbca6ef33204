import pytest

from services.notify.domain.notification import Channel
from services.notify.domain.sms_length import sms_length
from services.notify.domain.templates import (
    SMS_SIGNATURE,
    TEMPLATES,
    ChannelNotTemplated,
    MessageTemplate,
    MissingVariables,
    SmsTooLong,
    TemplateError,
    UnknownTemplate,
    UnknownVariables,
    render,
)

ACCEPTANCE = {"complaint_id": "C-2025-0001", "received_on": "2025年9月30日"}


def test_sms_carries_signature_and_values() -> None:
    out = render("reporter.acceptance", Channel.SMS, ACCEPTANCE)
    assert out.subject is None
    assert out.body.startswith(SMS_SIGNATURE)
    assert "C-2025-0001" in out.body and "2025年9月30日" in out.body
    assert "$" not in out.body


def test_email_has_subject_and_long_body() -> None:
    out = render("reporter.acceptance", Channel.EMAIL, ACCEPTANCE)
    assert out.subject == "受理告知（编号C-2025-0001）"
    assert "依规依纪依法" in out.body


def test_query_code_notice_renders_like_email() -> None:
    assert render("reporter.acceptance", Channel.QUERY_CODE, ACCEPTANCE) == render(
        "reporter.acceptance", Channel.EMAIL, ACCEPTANCE
    )


def test_missing_variable_is_named() -> None:
    with pytest.raises(MissingVariables, match="received_on"):
        render("reporter.acceptance", Channel.SMS, {"complaint_id": "C-1"})


def test_unknown_variable_is_named() -> None:
    with pytest.raises(UnknownVariables, match="reporter_name"):
        render("reporter.acceptance", Channel.SMS, ACCEPTANCE | {"reporter_name": "张三"})


def test_unknown_template() -> None:
    with pytest.raises(UnknownTemplate):
        render("nope", Channel.SMS, {})


def test_webhooks_are_not_text_templates() -> None:
    with pytest.raises(ChannelNotTemplated):
        render("reporter.acceptance", Channel.WEBHOOK, ACCEPTANCE)


def test_values_with_dollar_signs_are_not_expanded_again() -> None:
    out = render("reporter.acceptance", Channel.EMAIL, ACCEPTANCE | {"complaint_id": "${x}"})
    assert "编号${x}" in out.body


def test_sms_over_the_segment_limit_is_refused() -> None:
    long_id = "C-" + "9" * 200
    with pytest.raises(SmsTooLong, match="segments"):
        render("reporter.acceptance", Channel.SMS, ACCEPTANCE | {"complaint_id": long_id})
    one = render("reporter.acceptance", Channel.SMS, ACCEPTANCE, sms_max_segments=2)
    assert sms_length(one.body).segments <= 2


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_fits_one_sms_with_typical_values(template: str) -> None:
    typical = {
        "problem_id": "P-2025-000123",
        "complaint_id": "C-2025-000123",
        "clock": "整改",
        "deadline": "2025年10月28日",
        "days_left": "3",
        "reason": "逾期未办结",
        "class_id": "CC-2025-01",
        "title": "村集体合同未经民主程序发包",
        "category": "三资",
        "problem_count": "12",
        "town_count": "4",
        "village_count": "9",
        "received_on": "2025年9月30日",
        "closed_on": "2025年10月28日",
        "outcome": "予以了结",
    }
    variables = {name: typical[name] for name in TEMPLATES[template].variables}
    assert sms_length(render(template, Channel.SMS, variables).body).segments == 1


def test_a_template_cannot_use_an_undeclared_variable() -> None:
    with pytest.raises(TemplateError, match="undeclared"):
        MessageTemplate(id="x", variables=frozenset({"a"}), subject="$a", body="$b", sms="$a")
    with pytest.raises(TemplateError, match="invalid"):
        MessageTemplate(id="x", variables=frozenset({"a"}), subject="$", body="$a", sms="$a")


def test_reporter_texts_name_nobody() -> None:
    # 熟人社会: a lock-screen preview must not say who was reported or by whom.
    for template in ("reporter.acceptance", "reporter.result"):
        sms = TEMPLATES[template].sms
        assert "举报" not in sms and "被反映" not in sms
