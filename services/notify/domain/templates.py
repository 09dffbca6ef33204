"""zh-CN message templates (通知模板) and strict rendering.

Each template declares its variables; rendering demands exactly that set, so a routing change
that drops or misspells a variable fails loudly instead of sending "${deadline}" to an
officer. SMS texts are short, carry the sender signature (短信签名) the carriers require, and
must fit `max_segments`; email gets a subject; a notice stored for query-code lookup
(查询码查阅) uses the subject as its title and the long body.

SMS wording stays neutral on purpose: a lock-screen preview must not tell a village who
reported whom (熟人社会), so reporter texts say "您反映的事项" and name nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

from services.notify.domain.notification import Channel
from services.notify.domain.sms_length import sms_length

SMS_SIGNATURE = "【漳州纪检监察】"
DEFAULT_SMS_MAX_SEGMENTS = 2


class TemplateError(ValueError):
    """A template cannot be rendered as asked."""


class UnknownTemplate(TemplateError):
    pass


class MissingVariables(TemplateError):
    pass


class UnknownVariables(TemplateError):
    pass


class SmsTooLong(TemplateError):
    pass


class ChannelNotTemplated(TemplateError):
    pass


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    id: str
    variables: frozenset[str]
    subject: str
    body: str
    sms: str  # without the signature; it is prefixed on render

    def __post_init__(self) -> None:
        for name, text in (("subject", self.subject), ("body", self.body), ("sms", self.sms)):
            template = Template(text)
            if not template.is_valid():
                raise TemplateError(f"{self.id}.{name}: invalid placeholder syntax")
            undeclared = set(template.get_identifiers()) - self.variables
            if undeclared:
                raise TemplateError(f"{self.id}.{name}: undeclared {sorted(undeclared)}")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    body: str


_FOOTER = "\n\n本通知由漳州市基层监督系统自动发送，请勿直接回复。"

TEMPLATES: Mapping[str, MessageTemplate] = {
    t.id: t
    for t in (
        MessageTemplate(
            id="officer.team_assigned",
            variables=frozenset({"problem_id"}),
            subject="【交办通知】问题台账${problem_id}",
            body=(
                "您好：\n\n问题台账${problem_id}已交由您所在的协作办理组承办（片区协作、交叉办理）。"
                "请登录系统查看分工与回避说明，按期办结并上传整改佐证材料，逐项对账销号。" + _FOOTER
            ),
            sms="您已被编入问题${problem_id}的办理组，请登录系统查看分工并按期办结。",
        ),
        MessageTemplate(
            id="officer.deadline_approaching",
            variables=frozenset({"problem_id", "clock", "deadline", "days_left"}),
            subject="【期限提醒】问题台账${problem_id}${clock}时限还剩${days_left}个工作日",
            body=(
                "您好：\n\n您负责的问题台账${problem_id}${clock}时限为${deadline}，"
                "还剩${days_left}个工作日，请抓紧办理。" + _FOOTER
            ),
            sms="提醒：问题${problem_id}${clock}时限${deadline}到期，还剩${days_left}个工作日。",
        ),
        MessageTemplate(
            id="officer.overdue",
            variables=frozenset({"problem_id", "clock", "deadline"}),
            subject="【逾期督办】问题台账${problem_id}${clock}已逾期",
            body=(
                "您好：\n\n您负责的问题台账${problem_id}已超过${clock}时限（${deadline}），"
                "请立即办理并在系统中说明逾期原因。" + _FOOTER
            ),
            sms="问题${problem_id}已超过${clock}时限（${deadline}），请立即办理并说明原因。",
        ),
        MessageTemplate(
            id="county.escalated",
            variables=frozenset({"problem_id", "reason"}),
            subject="【提级督办】问题台账${problem_id}",
            body=(
                "问题台账${problem_id}已提级督办。\n\n原因：${reason}\n\n"
                "请登录系统指定承办部门并跟踪办理。" + _FOOTER
            ),
            sms="问题${problem_id}已提级督办（${reason}），请登录系统处理。",
        ),
        MessageTemplate(
            id="county.class_of_case",
            variables=frozenset(
                {"class_id", "title", "category", "problem_count", "town_count", "village_count"}
            ),
            subject="【类案促改】${title}",
            body=(
                "${category}类问题已在${town_count}个乡镇（街道）、${village_count}个村（社区）"
                "出现${problem_count}起，已启动类案促改（编号${class_id}）：${title}。\n\n"
                "请研究制定系统整改措施（制度、清单），推动由个案促改转向类案促改。" + _FOOTER
            ),
            sms="${category}类问题在${town_count}个乡镇出现${problem_count}起，已启动类案促改。",
        ),
        MessageTemplate(
            id="reporter.acceptance",
            variables=frozenset({"complaint_id", "received_on"}),
            subject="受理告知（编号${complaint_id}）",
            body=(
                "您好：\n\n您于${received_on}反映的事项（编号${complaint_id}）已受理，"
                "我们将依规依纪依法处理，办理结果将另行告知。\n\n"
                "您可凭查询码查询办理进度。" + _FOOTER
            ),
            sms="您${received_on}反映的事项（编号${complaint_id}）已受理，结果将另行告知。",
        ),
        MessageTemplate(
            id="reporter.result",
            variables=frozenset({"complaint_id", "closed_on", "outcome"}),
            subject="办理结果告知（编号${complaint_id}）",
            body=(
                "您好：\n\n您反映的事项（编号${complaint_id}）已于${closed_on}办结，"
                "处理结果：${outcome}。\n\n如对处理结果有异议，可凭查询码在线提出，"
                "或到纪检监察机关信访接待场所反映。" + _FOOTER
            ),
            sms="您反映的事项（编号${complaint_id}）已办结：${outcome}。如有异议可凭查询码提出。",
        ),
    )
}


def render(
    template_id: str,
    channel: Channel,
    variables: Mapping[str, str],
    *,
    templates: Mapping[str, MessageTemplate] = TEMPLATES,
    sms_max_segments: int = DEFAULT_SMS_MAX_SEGMENTS,
) -> Rendered:
    """Render one template for one channel; demands exactly the declared variables."""
    template = templates.get(template_id)
    if template is None:
        raise UnknownTemplate(f"unknown template {template_id!r}")
    supplied = set(variables)
    if missing := template.variables - supplied:
        raise MissingVariables(f"{template_id}: missing variables {sorted(missing)}")
    if unknown := supplied - template.variables:
        raise UnknownVariables(f"{template_id}: unknown variables {sorted(unknown)}")
    values = dict(variables)
    if channel is Channel.SMS:
        text = SMS_SIGNATURE + Template(template.sms).substitute(values)
        length = sms_length(text)
        if length.segments > sms_max_segments:
            raise SmsTooLong(
                f"{template_id}: {length.units} {length.encoding} units make "
                f"{length.segments} segments, limit {sms_max_segments}"
            )
        return Rendered(subject=None, body=text)
    if channel in (Channel.EMAIL, Channel.QUERY_CODE):
        return Rendered(
            subject=Template(template.subject).substitute(values),
            body=Template(template.body).substitute(values),
        )
    raise ChannelNotTemplated(f"{channel} messages are not rendered from text templates")
