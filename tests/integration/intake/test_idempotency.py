"""One complaint per Idempotency-Key and per channel + external reference, also under concurrent
retries: the retries land in the same group commit or in concurrent ones, and all get one answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.intake.domain.validation import validate_complaint
from services.intake.service_layer.store import StoreContext, store_batch
from services.intake.service_layer.submission import Outcome, Stored, prepare
from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake

pytestmark = pytest.mark.infra


async def burst(
    intake: Intake,
    requests: list[tuple[str, dict[str, Any], dict[str, str]]],
    token: str = "demo-hotline-token",
) -> list[httpx.Response]:
    """Send every request at once, each on its own connection."""
    clients = [intake.client(token) for _ in requests]
    try:
        return list(
            await asyncio.gather(
                *(
                    c.post(path, json=body, headers=headers)
                    for c, (path, body, headers) in zip(clients, requests, strict=True)
                )
            )
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def complaints_with_ref(intake: Intake, ref: str) -> int:
    return int(await intake.scalar("SELECT count(*) FROM complaints WHERE external_ref = :r", r=ref))


async def test_twenty_concurrent_retries_with_one_key_store_one_complaint(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    ref = unique("retry")
    body = samples.canonical(ref, reporter=samples.named_reporter())
    headers = {"Idempotency-Key": unique("key")}
    answers = await burst(intake, [("/complaints", body, headers)] * 20)
    assert sorted(r.status_code for r in answers) == [200] * 19 + [201]
    assert len({r.text for r in answers}) == 1  # identical bodies: same id, same problem, no code
    assert await complaints_with_ref(intake, ref) == 1
    complaint_id = answers[0].json()["complaint_id"]
    assert await intake.scalar("SELECT count(*) FROM outbox WHERE aggregate_id = :c", c=complaint_id) == 1
    assert (
        await intake.scalar(
            "SELECT count(*) FROM reporters r JOIN complaints c USING (reporter_ref) "
            "WHERE c.external_ref = :r",
            r=ref,
        )
        == 1
    )
    async with intake.client() as http:
        later = await http.post("/complaints", json=body, headers=headers)
    assert later.status_code == 200 and later.json() == answers[0].json()


async def test_concurrent_resends_of_one_work_order_without_a_key(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    """Same channel + external reference, each send with its own key (or none): still one."""
    order = samples.hotline(unique("ZZ12345"))
    requests = [
        ("/channels/hotline_12345", order, {"Idempotency-Key": unique(f"k{i}")} if i % 2 else {})
        for i in range(20)
    ]
    answers = await burst(intake, requests)
    assert sorted(r.status_code for r in answers) == [200] * 19 + [201]
    assert len({r.json()["complaint_id"] for r in answers}) == 1
    assert await complaints_with_ref(intake, order["work_order_no"]) == 1


async def test_anonymous_retries_show_the_query_code_once(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    ref = unique("anon")
    body = samples.canonical(ref)
    answers = await burst(intake, [("/complaints", body, {"Idempotency-Key": ref})] * 20)
    assert len({r.json()["complaint_id"] for r in answers}) == 1
    codes = [r.json()["query_code"] for r in answers if r.json()["query_code"]]
    # The code is stored only as a digest, so only the request that created it can show it.
    assert len(codes) == 1 and [r.status_code for r in answers].count(201) == 1
    assert await complaints_with_ref(intake, ref) == 1


async def test_a_reused_key_with_another_body_is_refused(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    key = {"Idempotency-Key": unique("reuse")}
    async with intake.client() as http:
        first = await http.post("/complaints", json=samples.canonical(unique("a")), headers=key)
        other = samples.canonical(unique("b"))
        second = await http.post("/complaints", json=other, headers=key)
    assert first.status_code == 201
    assert second.status_code == 422 and second.json()["error"]["code"] == "idempotency_key_reused"
    assert await complaints_with_ref(intake, other["external_ref"]) == 0
    # Concurrent: one of the two bodies wins the key, the other is refused; never two complaints.
    key = {"Idempotency-Key": unique("race")}
    a, b = samples.canonical(unique("c")), samples.canonical(unique("d"))
    answers = await burst(intake, [("/complaints", a, key), ("/complaints", b, key)])
    assert sorted(r.status_code for r in answers) == [201, 422]
    stored = await complaints_with_ref(intake, a["external_ref"]) + await complaints_with_ref(
        intake, b["external_ref"]
    )
    assert stored == 1


async def test_keys_are_scoped_to_the_caller(intake: Intake, unique: Callable[[str], str]) -> None:
    key = {"Idempotency-Key": unique("shared-key")}
    async with intake.client() as hotline, intake.client("demo-open311-key") as web:
        one = await hotline.post("/complaints", json=samples.canonical(unique("h")), headers=key)
        two = await web.post("/complaints", json=samples.canonical(unique("w")), headers=key)
    assert one.status_code == two.status_code == 201
    assert one.json()["complaint_id"] != two.json()["complaint_id"]


async def test_a_new_key_for_an_old_reference_points_at_the_old_complaint(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    body = samples.canonical(unique("ref"))
    async with intake.client() as http:
        first = await http.post("/complaints", json=body)
        key = {"Idempotency-Key": unique("late-key")}
        second = await http.post("/complaints", json=body, headers=key)
        third = await http.post("/complaints", json=body, headers=key)
    assert first.status_code == 201 and second.status_code == third.status_code == 200
    assert first.json()["complaint_id"] == second.json()["complaint_id"] == third.json()["complaint_id"]


async def test_concurrent_transactions_claiming_one_key(intake: Intake, unique: Callable[[str], str]) -> None:
    """Below the batcher: ten transactions on ten connections store the same work order at once.
    The unique claim makes nine of them wait for the first commit and answer with its complaint."""
    ctx = intake.app.state.intake
    complaint = validate_complaint(samples.canonical(unique("tx")), ctx.registry, now=datetime.now(UTC))
    store = StoreContext(ctx.registry)

    async def one() -> Outcome:
        submission = prepare("hotline-12345", [complaint], ctx.protector)
        async with ctx.engine.begin() as conn:
            (outcome,) = await store_batch(conn, [submission], store)
            await asyncio.sleep(0.05)  # hold the claim while the others try theirs
            return outcome

    outcomes = await asyncio.gather(*(one() for _ in range(10)))
    assert all(isinstance(o, Stored) for o in outcomes)
    stored = [o for o in outcomes if isinstance(o, Stored)]
    assert sum(o.created for o in stored) == 1
    assert len({o.complaints[0].complaint_id for o in stored}) == 1
    assert await complaints_with_ref(intake, complaint.external_ref or "") == 1


async def test_a_retry_behind_a_refused_reuse_still_gets_its_answer(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    key = {"Idempotency-Key": unique("mixed")}
    original = samples.canonical(unique("x"))
    async with intake.client() as http:
        first = await http.post("/complaints", json=original, headers=key)
    other = samples.canonical(unique("y"))
    answers = await burst(intake, [("/complaints", other, key), ("/complaints", original, key)] * 3)
    assert [r.status_code for r in answers] == [422, 200] * 3
    assert all(r.json()["complaint_id"] == first.json()["complaint_id"] for r in answers[1::2])
    assert await complaints_with_ref(intake, other["external_ref"]) == 0
