"""Replay: a recorded input stream (tests/fixtures/ledger/inputs.jsonl) replayed into a fresh
ledger, twice (idempotent); officers work two of its problems; the reporters' ratings follow
(one sends a closed problem back); then `rebuild` folds the journal topic from offset 0 into a
fresh database and `verify` finds it equal to the live one, by state hash and table by table,
and finds a tampered copy different."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from deploy.local.stack import ROOT, Infra
from services.ledger.entrypoints.cli import record_topics, replay_file
from services.ledger.service_layer.store import problem_id_for
from shared.events.topics import ASSIGNMENTS, COMPLAINTS, RATINGS, VISITS
from shared.migrations import ensure_database
from tests.integration.ledger.harness import Ledger, eventually
from tests.support.kitdb import drop_database

pytestmark = pytest.mark.infra
FIXTURE = ROOT / "tests" / "fixtures" / "ledger" / "inputs.jsonl"
INPUTS = [COMPLAINTS.base, ASSIGNMENTS.base, VISITS.base]
REVIEWER = {"person_id": "county-reviewer-1"}


def fixture_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def ce_id(line: dict[str, Any]) -> str:
    return str(next(v for k, v in line["headers"] if k == "ce_id"))


async def consumed(ledger: Ledger) -> int:
    return int(await ledger.scalar(
        "SELECT coalesce(sum(next_offset), 0) FROM consumer_positions WHERE consumer = 'ledger'"))


async def settled(ledger: Ledger, records: int) -> None:
    """Every replayed record applied, and every journal entry on the journal topic."""
    await eventually(lambda: _equals(consumed(ledger), records), 60, "the replayed records")
    await eventually(lambda: _equals(ledger.scalar(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL"), 0), 60, "the relay")


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


def cli(ledger: Ledger, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": ledger.database_url,
           "KAFKA_BOOTSTRAP_SERVERS": ledger.bootstrap, "KAFKA_TOPIC_PREFIX": ledger.namespace,
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "services.ledger", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


async def work(ledger: Ledger, key: str, *, close: bool) -> str:
    """Plan, measures, evidence and submission (and review and 销号) for a replayed problem."""
    pid = problem_id_for(key)
    ledger.clock.set(2025, 3, 20)
    await ledger.post(f"/problems/{pid}/plan", {"due": "2025-04-10", "measures": [
        {"measure_id": "m1", "description": "收回集体资产并公开发包", "due": "2025-04-08"}]})
    await ledger.post(f"/problems/{pid}/measures/m1/complete")
    await ledger.post(f"/problems/{pid}/evidence", {
        "evidence_id": f"ev-{key}", "kind": "contract", "sha256": "5c" * 32,
        "description": "重新签订的承包合同"})
    ledger.clock.set(2025, 3, 25)
    await ledger.post(f"/problems/{pid}/submit", {
        "summary": "已收回并重新发包", "claimed": {"yuan": "60000.00", "mu": "12.00", "contracts": 1}})
    if close:
        ledger.clock.set(2025, 3, 28)
        await ledger.post(f"/problems/{pid}/review/pass", {
            "reviewer": REVIEWER, "verified": {"yuan": "60000.00", "mu": "12.00", "contracts": 1}})
        ledger.clock.set(2025, 3, 31)
        await ledger.post(f"/problems/{pid}/close", {"note": "对账销号"})
    return pid


async def test_a_recorded_stream_rebuilds_into_an_equal_ledger(ledger: Ledger, infra: Infra,
                                                               tmp_path: Path) -> None:
    lines = fixture_lines()
    inputs = [line for line in lines if line["topic"] in INPUTS]
    ratings = [line for line in lines if line["topic"] == RATINGS.base]
    assert len(inputs) == 23 and len(ratings) == 2

    await replay_file(ledger.bootstrap, ledger.namespace, FIXTURE, 0, INPUTS, progress=False)
    await settled(ledger, len(inputs))
    problems = await ledger.rows("SELECT problem_key, status, level FROM problems")
    assert len(problems) == 9 and await ledger.scalar("SELECT count(*) FROM problem_reports") == 10
    assert {r.problem_key: r.level for r in problems}["pk-leader-houdai"] == "county"
    assert await ledger.scalar("SELECT count(*) FROM visits") == 4
    [case] = await ledger.rows("SELECT id, members, town_count FROM class_cases")
    assert case.id == "class:350623:sanzi:2025-01-01" and len(case.members) == 5
    journal_size = await ledger.scalar("SELECT count(*) FROM ledger_events")

    # The same recording again, through the CLI at 10x the recorded pace: every record is a
    # duplicate by its ce_id, nothing changes.
    run = await asyncio.to_thread(cli, ledger, "replay", "--in", str(FIXTURE), "--speed", "10",
                                  "--topics", ",".join(INPUTS))
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.splitlines()[-1])["replayed"] == len(inputs)
    assert "replay: 100%" in run.stderr  # the progress bar
    await settled(ledger, 2 * len(inputs))
    assert await ledger.scalar("SELECT count(*) FROM ledger_events") == journal_size
    assert await ledger.scalar("SELECT count(*) FROM problem_reports") == 10

    closed = await work(ledger, "pk-sanzi-jiucheng", close=True)
    submitted = await work(ledger, "pk-sanzi-yuandong", close=False)
    await replay_file(ledger.bootstrap, ledger.namespace, FIXTURE, 0, [RATINGS.base],
                      progress=False)
    await settled(ledger, 2 * len(inputs) + len(ratings))
    reopened = await ledger.problem(closed)
    # the reporter was not satisfied (1/5): the closed problem went back by itself (重新打开)
    assert (reopened["status"], reopened["rework_count"]) == ("rectifying", 1)
    assert reopened["timeline"][-1]["action"] == "rate"
    assert reopened["timeline"][-1]["details"]["cause"] == "rating"
    assert (await ledger.problem(submitted))["status"] == "awaiting_review"

    # What the deployment recorded is what was replayed: each input twice, each rating once.
    out = tmp_path / "recorded.jsonl"
    count = await record_topics(ledger.bootstrap, ledger.namespace, [*INPUTS, RATINGS.base], out)
    recorded = Counter(ce_id(json.loads(line)) for line in out.read_text().splitlines())
    assert count == 2 * len(inputs) + len(ratings)
    assert recorded == Counter({**{ce_id(x): 2 for x in inputs}, **{ce_id(x): 1 for x in ratings}})

    rebuilt = infra.database_url(f"rebuilt_{uuid.uuid4().hex[:10]}")
    try:
        await asyncio.to_thread(ensure_database, rebuilt)
        run = await asyncio.to_thread(cli, ledger, "rebuild", "--into", rebuilt, "--verify")
        assert run.returncode == 0, run.stderr[-3000:]
        report, result = (json.loads(line) for line in run.stdout.splitlines()[-2:])
        assert report["rebuild"]["journal_records"] == await ledger.scalar(
            "SELECT count(*) FROM ledger_events")
        assert report["rebuild"]["problems"] == 9 and report["rebuild"]["visits"] == 4
        assert result["equal"] is True and result["live_journal_backlog"] == 0
        assert result["live"]["state_hash"] == result["rebuilt"]["state_hash"]
        assert result["live"]["aggregates"] == 10  # 9 problems and the class-of-case item
        assert result["rebuilt"]["tables"]["ledger_events"]["rows"] == report["rebuild"][
            "journal_records"]

        # The check is not vacuous: a copy that differs in one field is caught.
        await asyncio.to_thread(_tamper, rebuilt, closed)
        run = await asyncio.to_thread(cli, ledger, "verify", "--against", rebuilt)
        result = json.loads(run.stdout.splitlines()[-1])
        assert run.returncode == 1 and result["equal"] is False
        assert result["tables_differing"] == ["problems"]
        assert result["live"]["state_hash"] != result["rebuilt"]["state_hash"]
    finally:
        await asyncio.to_thread(drop_database, rebuilt)


def _tamper(url: str, problem_id: str) -> None:
    import psycopg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE problems SET state = jsonb_set(state::jsonb, '{rework_count}', "
                     "'7')::json WHERE id = %s", (problem_id,))
