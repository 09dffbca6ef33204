"""Email over SMTP (电子邮件), smtplib in a worker thread.

The Message-ID is derived from the notification key, so every attempt of one notification
is the same message to mail systems that deduplicate on it. SMTP itself has no idempotency:
a crash after the server's "250 OK" and before our status write can deliver a second copy
with the same Message-ID. That is the documented limit of this channel.
Reply codes decide: 5xx is permanent, 4xx transient; a connection that fails is transient.
Server texts are not kept in reasons: they often echo the address.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from services.notify.adapters.providers.base import OutboundMessage, check_channel
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendResult


def _utc_now() -> datetime:
    return datetime.now(UTC)


def message_id_for(key: str, domain: str) -> str:
    return f"<{key}@{domain}>"


def _by_code(code: int, what: str) -> SendResult:
    reason = f"SMTP {code} {what}"
    return SendResult.permanent(reason) if code >= 500 else SendResult.transient(reason)


class SmtpEmailProvider:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        message_id_domain: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._domain = message_id_domain
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout
        self._clock = clock

    @property
    def channel(self) -> Channel:
        return Channel.EMAIL

    def build(self, message: OutboundMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = format_datetime(self._clock())
        email["Message-ID"] = message_id_for(message.key, self._domain)
        email.set_content(message.body, charset="utf-8")
        return email

    async def send(self, message: OutboundMessage) -> SendResult:
        check_channel(self, message)
        email = self.build(message)
        return await asyncio.to_thread(self._send_blocking, email)

    def _send_blocking(self, email: EmailMessage) -> SendResult:
        smtp: smtplib.SMTP | None = None
        try:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
            smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _by_code(max(codes, default=550), "recipient refused")
        except smtplib.SMTPSenderRefused as exc:
            return _by_code(exc.smtp_code, "sender refused")
        except smtplib.SMTPDataError as exc:
            return _by_code(exc.smtp_code, "message refused")
        except smtplib.SMTPAuthenticationError as exc:
            return _by_code(exc.smtp_code, "authentication failed")
        except smtplib.SMTPResponseException as exc:
            return _by_code(exc.smtp_code, "error")
        except smtplib.SMTPNotSupportedError:
            return SendResult.permanent("SMTP server lacks a required extension")
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, refused, timed out, TLS failure: the server may be back later.
            return SendResult.transient(f"SMTP connection failed: {type(exc).__name__}")
        finally:
            if smtp is not None:
                _quit_quietly(smtp)
        return SendResult.accepted(provider_ref=email["Message-ID"])


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The message is already accepted or refused; a failed QUIT must not turn a delivered
    # message into a retry (and a second copy).
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
