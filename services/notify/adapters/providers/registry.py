"""One provider per channel, chosen by settings, each behind its own rate limit (限流)."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.notify.adapters.providers.base import Provider
from services.notify.adapters.providers.email_smtp import SmtpEmailProvider
from services.notify.adapters.providers.file_sink import FileSinkProvider
from services.notify.adapters.providers.rate_limited import RateLimitedProvider
from services.notify.adapters.providers.sms_gateway import HttpSmsGateway
from services.notify.adapters.providers.webhook import WebhookProvider
from services.notify.domain.notification import Channel
from services.notify.settings import NotifySettings


def build_providers(
    settings: NotifySettings, client: httpx.AsyncClient, webhook_client: httpx.AsyncClient
) -> dict[Channel, Provider]:
    s = settings
    sink = Path(s.file_sink_dir)
    sms: Provider = (
        HttpSmsGateway(client, s.sms_gateway_url, s.sms_gateway_key)
        if s.sms_provider == "gateway"
        else FileSinkProvider(sink / "sms.jsonl", Channel.SMS)
    )
    email: Provider = (
        SmtpEmailProvider(
            s.smtp_host, s.smtp_port, s.smtp_sender, message_id_domain=s.message_id_domain,
            starttls=s.smtp_starttls, username=s.smtp_username, password=s.smtp_password,
            timeout=s.http_timeout_seconds,
        )
        if s.email_provider == "smtp"
        else FileSinkProvider(sink / "email.jsonl", Channel.EMAIL)
    )
    return {
        Channel.WEBHOOK: RateLimitedProvider(
            WebhookProvider(webhook_client), per_second=s.webhook_rate_per_second, burst=s.webhook_burst
        ),
        Channel.SMS: RateLimitedProvider(sms, per_second=s.sms_rate_per_second, burst=s.sms_burst),
        Channel.EMAIL: RateLimitedProvider(email, per_second=s.email_rate_per_second, burst=s.email_burst),
    }
