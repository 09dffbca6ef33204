"""Progress 办理进度 from the ledger's real events, by complaint id (the submitting system only)
and by query code (the reporter); rating 满意度评价 once closed; officers and other reports never shown."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.events.catalog import ReporterRated
from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake
from tests.integration.intake.ledger_events import OFFICER, Problem, publish

pytestmark = pytest.mark.infra
REPORTER_NAME, REPORTER_PHONE = "林美华", "13806951234"


async def until(
    fetch: Callable[[], Awaitable[httpx.Response]], ok: Callable[[dict[str, Any]], bool], seconds: float = 30
) -> dict[str, Any]:
    """Poll until the projection shows what the events say (the consumer is asynchronous)."""
    deadline = time.monotonic() + seconds
    while True:
        r = await fetch()
        body: dict[str, Any] = r.json()
        if r.status_code == 200 and ok(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"projection never showed it: {r.status_code} {body}")
        await asyncio.sleep(0.2)


def stages(view: dict[str, Any]) -> list[str]:
    return [e["stage"] for e in view["timeline"]]


async def test_progress_through_the_whole_loop_and_a_rating(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    # Received hours ago, so that the whole history (5-minute steps) is over before the rating.
    received = datetime.now(UTC) - timedelta(hours=6)
    async with intake.client() as hotline, intake.client(None) as reporter:
        first = samples.canonical(unique("loop"), received_at=received.isoformat())
        anonymous = (await hotline.post("/complaints", json=first)).json()
        code, complaint_id = anonymous["query_code"], anonymous["complaint_id"]
        other_report = samples.canonical(
            unique("other"),
            received_at=received.isoformat(),
            reporter=samples.named_reporter(REPORTER_NAME, REPORTER_PHONE),
        )
        other = (await hotline.post("/complaints", json=other_report)).json()
        problem = Problem(anonymous["problem_key"], complaint_id, start=received)
        await publish(intake.bootstrap, problem.opened(), problem.attached(other["complaint_id"]))

        early = await reporter.post(f"/progress/{code}/rating", json={"score": 5, "resolved": True})
        assert early.status_code == 409 and early.json()["error"]["code"] == "not_closed"

        await publish(
            intake.bootstrap,
            problem.change(
                "assign",
                "assigned",
                actor="pairing",
                members=[{"officer_id": OFFICER, "role": "leader", "town_code": "350602001"}],
            ),
            problem.change("set_plan", "rectifying", reason=f"{OFFICER} 制定整改方案"),
            problem.change("submit_rectification", "awaiting_review"),
            problem.change("pass_review", "reviewed"),
            problem.change(
                "close", "closed", reason=f"已收回租金3.2万元并公开,{OFFICER} 核实,联系电话 0596-3212345"
            ),
        )
        by_id = await until(
            lambda: hotline.get(f"/complaints/{complaint_id}"), lambda v: v["status"] == "closed"
        )
        assert stages(by_id) == ["received", "assigned", "rectifying", "closed"]
        closed_note = by_id["timeline"][-1]["note"]
        assert closed_note.startswith("已收回租金3.2万元并公开") and OFFICER not in closed_note
        assert "0596-3212345" not in closed_note
        assert all(e["note"] is None for e in by_id["timeline"][:-1])  # only the result is told
        assert other["complaint_id"] not in json.dumps(by_id)

        by_code = (await reporter.get(f"/progress/{code}")).json()
        assert by_code["reference"] is None and by_code["status"] == "closed" and by_code["can_rate"]
        assert stages(by_code) == stages(by_id)
        dumped = json.dumps(by_code, ensure_ascii=False)
        for secret in (OFFICER, other["complaint_id"], REPORTER_NAME, REPORTER_PHONE, "pairing"):
            assert secret not in dumped

        merged = await until(
            lambda: hotline.get(f"/complaints/{other['complaint_id']}"), lambda v: v["status"] == "closed"
        )
        assert stages(merged) == ["received", "merged", "assigned", "rectifying", "closed"]

        rated = await reporter.post(
            f"/progress/{code.lower().replace('-', ' ')}/rating",
            json={"score": 4, "resolved": True, "comment": "租金收回了,谢谢"},
        )
        again = await reporter.post(f"/progress/{code}/rating", json={"score": 1, "resolved": False})
        bad = await reporter.post(f"/progress/{code}/rating", json={"score": 6, "resolved": "yes"})
        after = (await reporter.get(f"/progress/{code}")).json()
    assert rated.status_code == 201, rated.text
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    assert bad.status_code == 422
    assert stages(after)[-1] == "rated" and not after["can_rate"]
    (event,) = await intake.rows(
        "SELECT value FROM outbox WHERE event_type = :t AND aggregate_id = :c",
        t=ReporterRated.TYPE,
        c=complaint_id,
    )
    rating = json.loads(bytes(event.value))
    assert (rating["score"], rating["resolved"], rating["problem_key"]) == (4, True, anonymous["problem_key"])

    # A problem reopened after the rating can be rated again once it is closed again.
    problem.at = datetime.now(UTC)
    await publish(
        intake.bootstrap,
        problem.change("reopen", "rectifying", reason="群众反映租金未全部收回"),
        problem.change("close", "closed", reason="余款已收回"),
    )
    async with intake.client(None) as reporter:
        reopened = await until(
            lambda: reporter.get(f"/progress/{code}"), lambda v: stages(v)[-2:] == ["reopened", "closed"]
        )
        assert reopened["can_rate"]


async def test_a_caller_sees_only_its_own_complaints(intake: Intake, unique: Callable[[str], str]) -> None:
    async with intake.client() as hotline:
        mine = (await hotline.post("/complaints", json=samples.canonical(unique("own")))).json()
        assert (await hotline.get(f"/complaints/{mine['complaint_id']}")).status_code == 200
    async with intake.client("demo-open311-key") as other:
        r = await other.get(f"/complaints/{mine['complaint_id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "complaint_not_found"
    async with intake.client("demo-admin-token") as county:
        assert (await county.get(f"/complaints/{mine['complaint_id']}")).status_code == 200


async def test_unknown_and_malformed_codes_look_the_same(intake: Intake) -> None:
    async with intake.client(None) as reporter:
        unknown = await reporter.get("/progress/ABCDE-FGHJK-MNPQR-STVWX")
        malformed = await reporter.get("/progress/not-a-code")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json() == malformed.json()
