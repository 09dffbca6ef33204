"""Which newly opened problems of a fetch are solved together (assign.runs): consecutive ones of
one day, one problem per town."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.pairing.domain.model import Category, Problem
from services.pairing.service_layer.assign import Opened, runs
from shared.events.envelope import Envelope

CHINA = ZoneInfo("Asia/Shanghai")


def opened(pid: str, town: str, day: int, hour: int = 10) -> Opened:
    env = Envelope(type="t", source="/s", subject=pid, data={})
    return Opened(Problem(pid, town, Category.OTHER), datetime(2025, 3, day, hour, tzinfo=CHINA), env)


def test_runs_cut_at_a_new_day_and_at_a_town_seen_in_the_run() -> None:
    fetch = [opened("a", "350623101", 1), opened("b", "350623102", 1), opened("c", "350623101", 1),
             opened("d", "350623104", 1), opened("e", "350623104", 2), opened("f", "350623101", 2, 23)]
    assert [[o.problem.id for o in run] for run in runs(fetch)] == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_the_day_is_china_time() -> None:
    late = Opened(Problem("x", "350623101", Category.OTHER), datetime(2025, 3, 1, 17, tzinfo=ZoneInfo("UTC")),
                  Envelope(type="t", source="/s", subject="x", data={}))
    assert [len(r) for r in runs([opened("w", "350623102", 2, 0), late])] == [2]
