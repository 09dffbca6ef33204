"""Email over a real aiosmtpd server."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from services.notify.adapters.providers.compose import compose
from services.notify.adapters.providers.email_smtp import SmtpEmailProvider
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendOutcome
from tests.integration.notify_providers.helpers import reporter_notification
from tests.integration.notify_providers.servers import Mailbox, free_port

SENDER = "notify@jw.zhangzhou.example"
TO = "reporter@example.com"


def provider(host: str, port: int) -> SmtpEmailProvider:
    return SmtpEmailProvider(
        host, port, SENDER, message_id_domain="notify.zhangzhou.example", timeout=5.0
    )


@pytest.mark.asyncio
async def test_mail_arrives_with_chinese_subject_and_key_message_id(
    smtp: tuple[Mailbox, str, int],
) -> None:
    mailbox, host, port = smtp
    notice = reporter_notification(Channel.EMAIL)
    result = await provider(host, port).send(compose(notice, 1, to=TO))
    assert result.outcome is SendOutcome.ACCEPTED
    assert result.provider_ref == f"<{notice.key}@notify.zhangzhou.example>"
    ((mail_from, rcpt_tos, content),) = mailbox.messages
    assert (mail_from, rcpt_tos) == (SENDER, [TO])
    mail = message_from_bytes(content, policy=policy.default)
    assert mail["Subject"] == "受理告知（编号C-2025-0001）"
    assert mail["Message-ID"] == f"<{notice.key}@notify.zhangzhou.example>"
    assert "已受理" in mail.get_content()


@pytest.mark.asyncio
async def test_every_attempt_is_the_same_message_id(smtp: tuple[Mailbox, str, int]) -> None:
    # SMTP cannot deduplicate; a stable Message-ID lets mail systems do it.
    mailbox, host, port = smtp
    notice = reporter_notification(Channel.EMAIL)
    for attempt in (1, 2):
        await provider(host, port).send(compose(notice, attempt, to=TO))
    ids = {
        message_from_bytes(c, policy=policy.default)["Message-ID"] for _, _, c in mailbox.messages
    }
    assert len(mailbox.messages) == 2 and len(ids) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reply", "outcome", "reason"),
    [
        (
            "550 5.1.1 <gone@example.com> no such user",
            SendOutcome.PERMANENT,
            "SMTP 550 recipient refused",
        ),
        ("451 4.3.0 try again later", SendOutcome.TRANSIENT, "SMTP 451 recipient refused"),
    ],
)
async def test_refusals_by_reply_code(
    smtp: tuple[Mailbox, str, int], reply: str, outcome: SendOutcome, reason: str
) -> None:
    mailbox, host, port = smtp
    mailbox.refuse["gone@example.com"] = reply
    result = await provider(host, port).send(
        compose(reporter_notification(Channel.EMAIL), 1, to="gone@example.com")
    )
    assert (result.outcome, result.reason) == (outcome, reason)
    assert "gone@example.com" not in result.reason
    assert mailbox.messages == []


@pytest.mark.asyncio
async def test_server_down_is_transient() -> None:
    result = await provider("127.0.0.1", free_port()).send(
        compose(reporter_notification(Channel.EMAIL), 1, to=TO)
    )
    assert result.outcome is SendOutcome.TRANSIENT
    assert result.reason.startswith("SMTP connection failed")
