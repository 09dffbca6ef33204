"""Settings: demo callers only outside production; production refuses demo tokens and no callers."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.settings import DEMO_TOKENS, CallerConfig, ServiceSettings, demo_callers, token_hash

REAL = CallerConfig(name="hotline-12345", token_sha256=token_hash("a-long-random-production-token"),
                    scopes=["complaints:write"])


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CALLERS", "DATABASE_URL", "SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)


def test_development_falls_back_to_the_demo_callers() -> None:
    s = ServiceSettings(environment="development")
    assert {c.name for c in s.callers} == {name for name, _ in DEMO_TOKENS.values()}
    assert all(c.token_sha256 == token_hash(tok) for c, tok in zip(s.callers, DEMO_TOKENS, strict=True))


def test_production_without_callers_is_refused() -> None:
    with pytest.raises(ValidationError, match="CALLERS must be configured"):
        ServiceSettings(environment="production")
    with pytest.raises(ValidationError, match="CALLERS must be configured"):
        ServiceSettings(environment="production", callers=[])


def test_production_without_callers_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("CALLERS", "[]")
    with pytest.raises(ValidationError, match="CALLERS must be configured"):
        ServiceSettings()


@pytest.mark.parametrize("token", sorted(DEMO_TOKENS))
def test_production_refuses_every_demo_token(token: str) -> None:
    leaked = next(c for c in demo_callers() if c.token_sha256 == token_hash(token))
    with pytest.raises(ValidationError, match="demo credentials are not allowed"):
        ServiceSettings(environment="production", callers=[REAL, leaked])


def test_production_accepts_real_callers_from_json_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("CALLERS", json.dumps([REAL.model_dump()]))
    s = ServiceSettings()
    assert s.environment == "production"
    assert s.callers == [REAL]


def test_a_caller_must_give_a_sha256_hex_not_a_token() -> None:
    with pytest.raises(ValidationError):
        CallerConfig(name="x", token_sha256="demo-admin-token", scopes=["*"])


def test_asyncpg_dsn_drops_the_driver() -> None:
    s = ServiceSettings(database_url="postgresql+asyncpg://u@h:1/db")
    assert s.asyncpg_dsn == "postgresql://u@h:1/db"


def test_an_empty_callers_variable_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLERS", "")
    assert ServiceSettings(environment="development").callers == demo_callers()
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="CALLERS must be configured"):
        ServiceSettings()
