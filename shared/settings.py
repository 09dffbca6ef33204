"""Settings every service shares, read from the environment (pydantic-settings).

Production refuses to start with a demo credential or an unset secret: a default that works
everywhere is a default that ends up in production.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class CallerConfig(BaseModel):
    """A calling system (调用方): who it is, the hash of its token, what it may do."""

    name: str
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[str]
    rate_per_second: float = 50.0
    burst: int = 100
    max_body_bytes: int = 1_048_576


# Demo callers for development and tests only; their tokens are public in the README.
DEMO_TOKENS: dict[str, tuple[str, list[str]]] = {
    "demo-admin-token": ("county-commission", ["*"]),
    "demo-hotline-token": ("hotline-12345", ["complaints:write", "complaints:read", "subscriptions:write"]),
    "demo-officer-token": (
        "township-officer",
        ["visits:write", "ledger:read", "ledger:write", "pairing:read", "pairing:recuse"],
    ),
    "demo-notify-token": ("notify-service", ["reporters:contact:read"]),
    "demo-intake-token": ("intake-service", ["reporters:notices:read"]),
    "demo-open311-key": ("open311-public", ["complaints:write", "complaints:read"]),
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def demo_callers() -> list[CallerConfig]:
    return [
        CallerConfig(name=name, token_sha256=token_hash(tok), scopes=scopes)
        for tok, (name, scopes) in DEMO_TOKENS.items()
    ]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: Environment = "development"
    service_name: str = "service"
    instance_id: str = "local"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/postgres"
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    # NoDecode: `_callers_from_json` parses the env value, so an empty CALLERS means "none".
    callers: Annotated[list[CallerConfig], NoDecode] = Field(default_factory=list)
    consumer_max_retries: int = 3
    consumer_retry_backoff_ms: int = 200
    consumer_stall_seconds: float = 60.0
    db_pool_size: int = 10

    @field_validator("callers", mode="before")
    @classmethod
    def _callers_from_json(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> ServiceSettings:
        if not self.callers and self.environment != "production":
            self.callers = demo_callers()
        if self.environment == "production":
            if not self.callers:
                raise ValueError("CALLERS must be configured in production")
            demo_hashes = {token_hash(t) for t in DEMO_TOKENS}
            leaked = [c.name for c in self.callers if c.token_sha256 in demo_hashes]
            if leaked:
                raise ValueError(f"demo credentials are not allowed in production: {leaked}")
        return self

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL without the SQLAlchemy driver suffix, for raw asyncpg connections."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
