"""Pairing settings (跨镇协作配对服务): staffing mode, conflict windows, the tie-break key.

A round (轮次) is a calendar month: "assigned to the same town within the last M rounds" means
within the last M months, and the load balance looks back `balance_rounds` months.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

REPO_DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "divisions"


class PairingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "pairing"
    http_port: int = 8003
    divisions_dir: Path = REPO_DIVISIONS

    # incremental: every ProblemOpened is staffed at once (增量派组); batch: problems wait for a
    # POST /rounds over the period's open problems (批量派组).
    staffing: Literal["incremental", "batch"] = "incremental"
    # A fraction "a/b" turns incremental staffing randomised with every officer's chance capped
    # at q; the published value of each draw is the ProblemOpened event id. Unset: exact mode.
    incremental_q: str | None = None

    # Conflict windows (回避期限) and balance horizons, in years and rounds (months).
    served_years: int = Field(default=3, ge=0, le=30)
    recent_rounds: int = Field(default=2, ge=0, le=120)
    recency_rounds: int = Field(default=6, ge=1, le=120)
    balance_rounds: int = Field(default=12, ge=1, le=120)
    escalated_same_county: bool = True
    # Keys the tie-break among equally good teams: without it nobody can tell which of them the
    # engine will pick. Set a private value per deployment.
    tiebreak_key: str = Field(default="pairing-tiebreak-v1", min_length=8, max_length=64)

    import_max_bytes: int = Field(default=5_000_000, ge=1_000)

    @field_validator("incremental_q")
    @classmethod
    def _q_is_a_probability(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        q = Fraction(value.strip())
        if not 0 < q <= 1:
            raise ValueError("incremental_q must be a fraction in (0, 1]")
        return str(q)
