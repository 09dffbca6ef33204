"""Intake's settings, limits and commands that need no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.intake.domain.protection.sealing import new_key_setting
from services.intake.domain.storable import unstorable
from services.intake.entrypoints.cli import import_divisions_command
from services.intake.entrypoints.limits import RateLimiter
from services.intake.settings import DEV_REPORTER_KEYS, IntakeSettings
from shared.http.errors import ApiError

from .conftest import DIVISIONS

PRODUCTION_CALLERS = json.dumps([{"name": "x", "token_sha256": "a" * 64, "scopes": []}])


def test_production_refuses_the_development_keys() -> None:
    with pytest.raises(ValueError, match="development key"):
        IntakeSettings(environment="production", callers=PRODUCTION_CALLERS)
    with pytest.raises(ValueError, match="development key"):
        IntakeSettings(
            environment="production",
            callers=PRODUCTION_CALLERS,
            reporter_keys=f"{new_key_setting('k2')},{DEV_REPORTER_KEYS}",
            query_code_keys=new_key_setting("q1"),
        )
    shared = new_key_setting("k1")
    with pytest.raises(ValueError, match="must not share"):
        IntakeSettings(
            environment="production", callers=PRODUCTION_CALLERS, reporter_keys=shared, query_code_keys=shared
        )
    ok = IntakeSettings(
        environment="production",
        callers=PRODUCTION_CALLERS,
        reporter_keys=new_key_setting("k1"),
        query_code_keys=new_key_setting("q1"),
    )
    assert ok.reporter_key_ring().current == "k1" and ok.query_code_hasher().current == "q1"


def test_malformed_keys_stop_the_process_at_start() -> None:
    with pytest.raises(ValueError):
        IntakeSettings(reporter_keys="k1:dG9vLXNob3J0")  # 9 bytes, not an AES-256 key
    with pytest.raises(ValueError):
        IntakeSettings(query_code_keys="no-separator")


def test_token_bucket_refills_at_the_callers_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.retry_after("c", 2.0, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.retry_after("c", 2.0, 3) == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.retry_after("c", 2.0, 3) == 0.0
    assert limiter.retry_after("other", 2.0, 3) == 0.0  # buckets are per key
    with pytest.raises(ApiError) as refused:
        limiter.check("c", 2.0, 3, "caller 'c'")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "1"}


def test_the_bucket_map_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0], max_keys=100)
    for i in range(1_000):
        limiter.retry_after(f"address-{i}", 1.0, 5)
        now[0] += 10  # each earlier bucket has refilled, so it can be forgotten
    assert len(limiter._buckets) <= 100


def test_import_divisions_checks_and_copies_a_province(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "divisions"
    settings = IntakeSettings(divisions_dir=target)
    assert import_divisions_command(settings, [str(DIVISIONS), "--prefix", "fujian"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"city": 9, "county": 84, "town": 1170, "village": 17498}
    assert sorted(p.name for p in target.iterdir()) == [
        "fujian_cities.csv",
        "fujian_counties.csv",
        "fujian_towns.csv",
        "fujian_villages.csv",
    ]
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in target.iterdir():
        (broken / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (broken / "fujian_villages.csv").open("a", encoding="utf-8") as fh:
        fh.write("350699999999,不存在村委会,350699999,35,3506,350699\n")  # its town does not exist
    assert import_divisions_command(settings, [str(broken), "--prefix", "fujian"]) == 1
    assert "has no town" in capsys.readouterr().err


def test_text_the_database_cannot_keep() -> None:
    body = {
        "description": "鱼塘\x00承包",
        "subject": {"name": "ok"},
        "attachments": [{"filename": "\udbbd.jpg"}],
        "n\x00": 1,
        "fine": ["正常文本", 3, None],
    }
    found = {(e.field, e.code.value) for e in unstorable(body)}
    assert found == {
        ("description", "bad_format"),
        ("attachments[0].filename", "bad_format"),
        ("n\x00", "bad_format"),
    }
    assert unstorable({"description": "正达村😀 emoji is fine"}) == []
