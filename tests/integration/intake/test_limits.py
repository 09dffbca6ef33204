"""Per-caller limits 调用限额: beyond the rate a 429 with Retry-After, beyond the body size a 413;
in both cases nothing is stored. `tight` allows 1 request/s with a burst of 2; `small` 2 KiB bodies."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable

import pytest

from tests.integration.intake import samples
from tests.integration.intake.conftest import SMALL_TOKEN, TIGHT_TOKEN, Intake

pytestmark = pytest.mark.infra


async def stored(intake: Intake, ref: str) -> int:
    return int(await intake.scalar("SELECT count(*) FROM complaints WHERE external_ref LIKE :r", r=f"{ref}%"))


async def test_rate_limit_refuses_with_retry_after(intake: Intake, unique: Callable[[str], str]) -> None:
    ref = unique("rate")
    async with intake.client(TIGHT_TOKEN) as http:
        answers = [await http.post("/complaints", json=samples.canonical(f"{ref}-{i}")) for i in range(4)]
    assert [r.status_code for r in answers[:2]] == [201, 201]
    for refused in answers[2:]:
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= math.ceil(1 / 1.0)
    assert await stored(intake, ref) == 2
    # Other callers are not affected by this one's bucket.
    async with intake.client() as other:
        assert (await other.post("/complaints", json=samples.canonical(f"{ref}-x"))).status_code == 201


async def test_oversized_body_is_refused_before_it_is_read(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    ref = unique("size")
    big = samples.canonical(ref, description="鱼塘承包" * 600)  # ~7 KiB of UTF-8, over the 2 KiB limit
    async with intake.client(SMALL_TOKEN) as http:
        declared = await http.post("/complaints", json=big)

        async def chunks() -> AsyncIterator[bytes]:
            text = json.dumps(samples.canonical(ref + "-chunked", description="鱼塘" * 1200)).encode()
            for i in range(0, len(text), 512):
                yield text[i : i + 512]

        chunked = await http.post(
            "/complaints", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "body_too_large"
    assert chunked.status_code == 413
    assert await stored(intake, ref) == 0
    # The same body is fine for a caller with the default 1 MiB limit.
    async with intake.client() as roomy:
        assert (await roomy.post("/complaints", json=big)).status_code == 201


async def test_query_code_lookups_are_rate_limited_per_address(intake: Intake) -> None:
    async with intake.client(None) as guesser:
        answers = [await guesser.get(f"/progress/ABCDE-FGHJK-MNPQR-{i:05d}") for i in range(12)]
    burst = intake.settings.progress_burst
    assert [r.status_code for r in answers[:burst]] == [404] * burst
    assert all(r.status_code == 429 and "Retry-After" in r.headers for r in answers[burst:])
