"""Intake settings (受理服务)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

REPO_DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "divisions"


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    divisions_dir: Path = REPO_DIVISIONS
