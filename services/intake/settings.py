"""Intake settings (受理服务): divisions, reporter-protection keys, group commit, limits.

Key rings use the domain's setting form `k2:<base64>,k1:<base64>`: the first key seals (or hashes)
new data, every key still opens (or looks up) old data, so a key rotates without downtime. The
development keys below are public (they are in the repository); production refuses them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.intake.domain.protection.query_code import QueryCodeHasher
from services.intake.domain.protection.sealing import KeyRing
from shared.settings import ServiceSettings

REPO_DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "divisions"

# Public on purpose: they only protect development and test databases.
DEV_REPORTER_KEYS = "dev1:ZGV2LXJlcG9ydGVyLWtleS0zMi1ieXRlcy1sb25nISE"
DEV_QUERY_CODE_KEYS = "dev1:ZGV2LXF1ZXJ5LWNvZGUta2V5LTMyLWJ5dGVzLWxvbiE"


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    divisions_dir: Path = REPO_DIVISIONS

    # 举报人保护: AES-256-GCM keys for contact details, HMAC keys for query-code digests.
    reporter_keys: str = DEV_REPORTER_KEYS
    query_code_keys: str = DEV_QUERY_CODE_KEYS

    # Group commit 批量提交: accepts arriving within the window share one transaction.
    accept_batch_window_ms: float = Field(default=1.0, ge=0, le=50)
    accept_batch_max: int = Field(default=256, ge=1, le=5000)
    accept_flushes_in_flight: int = Field(default=2, ge=1, le=16)

    # 查询码 lookups: per client address, so the code space cannot be walked.
    progress_rate_per_second: float = Field(default=1.0, gt=0)
    progress_burst: int = Field(default=10, ge=1)

    # The outbox relay in the API process (true), or only in `python -m services.intake relay`
    # processes (false: what the deployments do, so publishing does not take the API's CPU).
    relay_in_process: bool = True

    # Bulk import 批量导入: rows stored per transaction.
    import_chunk_rows: int = Field(default=500, ge=1, le=5000)

    def reporter_key_ring(self) -> KeyRing:
        return KeyRing.from_setting(self.reporter_keys)

    def query_code_hasher(self) -> QueryCodeHasher:
        ring = KeyRing.from_setting(self.query_code_keys)
        return QueryCodeHasher(ring.keys, ring.current)

    @model_validator(mode="after")
    def _refuse_unsafe_keys(self) -> IntakeSettings:
        # Parse both rings now: a malformed key must stop the process at start, not at first use.
        sealing, hashing = self.reporter_key_ring(), self.query_code_hasher()
        if self.environment == "production":
            dev_keys = set(KeyRing.from_setting(DEV_REPORTER_KEYS).keys.values())
            dev_keys |= set(KeyRing.from_setting(DEV_QUERY_CODE_KEYS).keys.values())
            if dev_keys & (set(sealing.keys.values()) | set(hashing.keys.values())):
                raise ValueError("REPORTER_KEYS / QUERY_CODE_KEYS hold a development key")
            if set(sealing.keys.values()) & set(hashing.keys.values()):
                raise ValueError("REPORTER_KEYS and QUERY_CODE_KEYS must not share a key")
        return self
