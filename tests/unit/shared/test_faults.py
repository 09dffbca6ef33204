"""Failpoints: the spec is parsed as documented, and only the n-th hit kills (os.kill is stubbed)."""

from __future__ import annotations

import os
import signal

import pytest

from shared import faults


def test_spec_parsing() -> None:
    assert faults._parse("") == {}
    assert faults._parse("consumer.after_db_commit=3") == {"consumer.after_db_commit": 3}
    assert faults._parse(" a=1 , b ,, c=7 ") == {"a": 1, "b": 1, "c": 7}


def test_a_bad_count_is_refused_loudly() -> None:
    with pytest.raises(ValueError):
        faults._parse("a=x")


def test_only_the_nth_hit_kills(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: kills.append((pid, sig)))
    monkeypatch.setattr(faults, "_armed", {"relay.after_publish": 3})
    monkeypatch.setattr(faults, "_counts", {})
    for _ in range(2):
        faults.failpoint("relay.after_publish")
    assert kills == []
    faults.failpoint("relay.after_publish")
    assert kills == [(os.getpid(), signal.SIGKILL)]
    faults.failpoint("relay.after_publish")  # fired once; later hits pass
    assert len(kills) == 1


def test_unarmed_points_do_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[object] = []
    monkeypatch.setattr(os, "kill", lambda *a: kills.append(a))
    monkeypatch.setattr(faults, "_armed", {"other": 1})
    monkeypatch.setattr(faults, "_counts", {})
    for _ in range(5):
        faults.failpoint("consumer.after_db_commit")
    assert kills == []
    assert faults._counts == {}
