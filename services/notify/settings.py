"""Notify settings (通知服务)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004
    # A webhook every status change is sent to, besides the subscriptions (e.g. the county's
    # dashboard). Empty: only subscriptions.
    default_webhook_url: str = ""
    default_webhook_secret: str = "dev-webhook-secret-change-me"
    sender_batch: int = 50
    sender_lease_seconds: int = 30
    sender_max_attempts: int = 8
