"""Pairing settings (跨镇协作配对服务)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PairingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "pairing"
    http_port: int = 8003
