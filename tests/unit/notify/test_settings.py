"""Notify's settings refuse what must not reach production."""

from __future__ import annotations

from datetime import time

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from services.notify.domain.quiet_hours import QuietHours
from services.notify.settings import DEV_SECRET_KEY, NotifySettings
from shared.settings import CallerConfig

PRODUCTION_CALLER = [CallerConfig(name="hotline", token_sha256="0" * 64, scopes=["subscriptions:write"])]


def production(**overrides: object) -> NotifySettings:
    fields: dict[str, object] = {
        "environment": "production", "callers": PRODUCTION_CALLER,
        "secret_keys": [Fernet.generate_key().decode()], "intake_token": "a-real-token-from-the-vault",
        "sms_provider": "gateway", "sms_gateway_url": "https://sms.example.cn", "sms_gateway_key": "k",
        "email_provider": "smtp",
    }
    return NotifySettings(**(fields | overrides))  # type: ignore[arg-type]


def test_a_safe_production_configuration_starts() -> None:
    s = production()
    assert not s.http_webhooks_allowed
    assert s.quiet_hours == QuietHours(time(22), time(8))


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"secret_keys": [DEV_SECRET_KEY]}, "development key"),
        ({"default_webhook_url": "https://dash.example.cn/hooks"}, "DEFAULT_WEBHOOK_SECRET"),
        ({"intake_token": "demo-notify-token"}, "demo token"),
        ({"sms_provider": "file"}, "file sinks"),
        ({"email_provider": "file"}, "file sinks"),
        ({"allow_http_webhooks": True}, "plain-http"),
    ],
)
def test_production_refuses_development_defaults(overrides: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        production(**overrides)


def test_development_defaults_are_local() -> None:
    s = NotifySettings(environment="development")
    assert (s.sms_provider, s.email_provider, s.http_webhooks_allowed) == ("file", "file", True)


def test_lists_and_quiet_hours_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEYS", f" {DEV_SECRET_KEY} ,{DEV_SECRET_KEY}")
    monkeypatch.setenv("DEFAULT_WEBHOOK_AREA_PREFIXES", "3506,350623")
    monkeypatch.setenv("DEFAULT_QUIET_HOURS", "off")
    s = NotifySettings()
    assert s.secret_keys == [DEV_SECRET_KEY, DEV_SECRET_KEY]
    assert s.default_webhook_area_prefixes == ["3506", "350623"]
    assert s.quiet_hours is None


@pytest.mark.parametrize("window", ["22:00-22:00", "25:00-08:00", "22-08", "night"])
def test_a_quiet_window_that_does_not_parse_is_refused(window: str) -> None:
    with pytest.raises(ValidationError):
        NotifySettings(default_quiet_hours=window)


def test_the_sms_gateway_needs_its_url_and_key() -> None:
    with pytest.raises(ValidationError, match="SMS_GATEWAY_URL"):
        NotifySettings(sms_provider="gateway")
