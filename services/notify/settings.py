"""Notify settings (通知服务): providers, the default webhook, the sender, secrets at rest.

Development defaults send SMS and email to local files (`.local/notify/*.jsonl`) and accept
plain-http webhook endpoints; production refuses file sinks, http endpoints, the development
encryption key, the development webhook secret and the demo token for intake.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.notify.domain.quiet_hours import QuietHours
from shared.settings import DEMO_TOKENS, ServiceSettings

# Public on purpose (it is in the repository): it only protects development databases.
DEV_SECRET_KEY = "XK5H92IosQYpyRL8voFLoqSXpuRpqqvcOcll1OY-46Y="
DEV_WEBHOOK_SECRET = "dev-webhook-secret-change-me"


def _csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004

    # A webhook every status change is sent to, besides the subscriptions (e.g. the county's
    # dashboard), signed with its own secret. Empty: only subscriptions.
    default_webhook_url: str = ""
    default_webhook_secret: str = DEV_WEBHOOK_SECRET
    # Which areas the default webhook covers (division code prefixes; "35" is Fujian).
    default_webhook_area_prefixes: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["35"])
    # None: allowed outside production only.
    allow_http_webhooks: bool | None = None

    # Fernet keys for subscription secrets at rest, comma-separated; the first encrypts, all
    # decrypt (so a key can be rotated without re-encrypting first).
    secret_keys: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [DEV_SECRET_KEY])

    # The sender: per channel, how many rows one claim takes and how many sends are in flight.
    sender_batch: int = Field(default=100, ge=1, le=1000)
    sender_concurrency: int = Field(default=200, ge=1, le=5000)
    # Longer than a send can take (timeout + rate-limit wait): an attempt still running when its
    # lease ends is taken over by another sender.
    sender_lease_seconds: float = Field(default=60.0, gt=0)
    sender_poll_seconds: float = Field(default=1.0, gt=0)
    sender_max_attempts: int = Field(default=12, ge=1)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    http_timeout_seconds: float = Field(default=10.0, gt=0)

    # Providers (渠道). "file" writes JSON lines under file_sink_dir (development only).
    sms_provider: Literal["file", "gateway"] = "file"
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    sms_max_segments: int = Field(default=2, ge=1, le=10)
    email_provider: Literal["file", "smtp"] = "file"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "通知 <notify@supervision.zhangzhou.gov.cn>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    message_id_domain: str = "notify.supervision.zhangzhou.gov.cn"
    file_sink_dir: str = ".local/notify"

    # Per-provider rate limits (限流): sends per second and burst.
    # At most this many webhook requests in flight (a courtesy to receivers; the rest queue).
    webhook_max_connections: int = Field(default=64, ge=1, le=1000)
    # Connections kept open between webhooks. Few on purpose: httpcore checks every pooled
    # connection on each request, so a pool left full of idle connections by a burst costs more
    # CPU per request than the occasional new connection a burst has to open.
    webhook_keepalive_connections: int = Field(default=8, ge=1, le=1000)
    webhook_rate_per_second: float = Field(default=1000.0, gt=0)
    webhook_burst: int = Field(default=1000, ge=1)
    sms_rate_per_second: float = Field(default=50.0, gt=0)
    sms_burst: int = Field(default=50, ge=1)
    email_rate_per_second: float = Field(default=20.0, gt=0)
    email_burst: int = Field(default=20, ge=1)

    # Quiet hours (免打扰, China time) for non-urgent SMS to anyone who did not choose their own,
    # "HH:MM-HH:MM" or "off".
    default_quiet_hours: str = Field(
        default="22:00-08:00", pattern=r"^(off|[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2})$")

    # Intake holds reporters' contact details; notify asks for them at send time.
    intake_url: str = "http://127.0.0.1:8001"
    intake_token: str = "demo-notify-token"

    @field_validator("default_quiet_hours")
    @classmethod
    def _window(cls, value: str) -> str:
        if value != "off":
            start, end = value.split("-")
            QuietHours(start=time.fromisoformat(start), end=time.fromisoformat(end))  # raises if invalid
        return value

    @field_validator("default_webhook_area_prefixes", "secret_keys", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _csv(value)

    @property
    def quiet_hours(self) -> QuietHours | None:
        if self.default_quiet_hours == "off":
            return None
        start, end = self.default_quiet_hours.split("-")
        return QuietHours(start=time.fromisoformat(start), end=time.fromisoformat(end))

    @property
    def http_webhooks_allowed(self) -> bool:
        if self.allow_http_webhooks is None:
            return self.environment != "production"
        return self.allow_http_webhooks

    @model_validator(mode="after")
    def _refuse_unsafe_notify_defaults(self) -> NotifySettings:
        if not self.secret_keys:
            raise ValueError("SECRET_KEYS needs at least one Fernet key")
        if self.sms_provider == "gateway" and not (self.sms_gateway_url and self.sms_gateway_key):
            raise ValueError("the SMS gateway needs SMS_GATEWAY_URL and SMS_GATEWAY_KEY")
        if self.environment != "production":
            return self
        problems = []
        if DEV_SECRET_KEY in self.secret_keys:
            problems.append("SECRET_KEYS holds the development key")
        if self.default_webhook_url and self.default_webhook_secret == DEV_WEBHOOK_SECRET:
            problems.append("DEFAULT_WEBHOOK_SECRET is the development secret")
        if self.intake_token in DEMO_TOKENS:
            problems.append("INTAKE_TOKEN is a demo token")
        if "file" in (self.sms_provider, self.email_provider):
            problems.append("file sinks keep addresses and texts in clear: configure a gateway and SMTP")
        if self.allow_http_webhooks:
            problems.append("plain-http webhook endpoints are not allowed in production")
        if problems:
            raise ValueError("; ".join(problems))
        return self
