"""Every refusal is a 4xx with the machine-readable body, lists every error, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake

pytestmark = pytest.mark.infra


async def refused(
    intake: Intake, path: str, body: Any, token: str = "demo-hotline-token", status: int = 422
) -> dict[str, str]:
    """POST `body`; assert the status and that nothing was stored; the errors by field."""
    before = await intake.scalar("SELECT count(*) FROM complaints")
    outbox = await intake.scalar("SELECT count(*) FROM outbox")
    async with intake.client(token) as http:
        r = await (
            http.post(path, json=body)
            if not isinstance(body, bytes)
            else http.post(path, content=body, headers={"Content-Type": "application/json"})
        )
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert await intake.scalar("SELECT count(*) FROM complaints") == before
    assert await intake.scalar("SELECT count(*) FROM outbox") == outbox
    return {d["field"]: d["code"] for d in error["details"]} or {"$": error["code"]}


@pytest.mark.parametrize(
    ("place_code", "code"),
    [
        ("350605200299", "unknown_division"),  # a village number 坂里乡 does not have
        ("350699999", "unknown_division"),  # no such town
        ("350605", "division_too_coarse"),  # a county: must name a town or village
        ("3506", "division_too_coarse"),
        ("35060520020", "bad_format"),  # 11 digits
        ("35060520020x", "bad_format"),
        ("３５０６０５２００２０６", "bad_format"),  # full-width digits
    ],
)
async def test_bad_place_codes(
    intake: Intake, unique: Callable[[str], str], place_code: str, code: str
) -> None:
    errors = await refused(intake, "/complaints", samples.canonical(unique("p"), place_code=place_code))
    assert errors == {"place_code": code}


async def test_place_outside_the_town_it_claims(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("p"), place_code=samples.SHITOU, town_code=samples.BANLI)
    assert await refused(intake, "/complaints", body) == {"place_code": "inconsistent_division"}
    body = samples.canonical(unique("p"), town_code="350605999")
    assert await refused(intake, "/complaints", body) == {"town_code": "unknown_division"}


async def test_bad_category_and_channel(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("c"), category="税务", channel="fax")
    assert await refused(intake, "/complaints", body) == {
        "category": "unknown_category",
        "channel": "unknown_channel",
    }


async def test_oversized_text(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("t"), description="村" * 5001, subject={"name": "某" * 201})
    assert await refused(intake, "/complaints", body) == {
        "description": "too_long",
        "subject.name": "too_long",
    }
    order = samples.hotline(unique("t"), content="水" * 5001)
    assert await refused(intake, "/channels/hotline_12345", order) == {"content": "too_long"}


async def test_missing_fields(intake: Intake) -> None:
    errors = await refused(intake, "/complaints", {"channel": "online"})
    assert errors == {"place_code": "missing", "category": "missing", "description": "missing"}


async def test_reporter_rules(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("r"), channel="online", reporter=None)
    body.pop("reporter")
    assert await refused(intake, "/complaints", body) == {"reporter": "missing"}
    named = samples.canonical(unique("r"), reporter={"mode": "named", "contact": {"name": "郑某"}})
    assert await refused(intake, "/complaints", named) == {"reporter": "contact_required"}
    anonymous = samples.canonical(
        unique("r"), reporter={"mode": "anonymous", "contact": {"phone": "13959612345"}}
    )
    assert await refused(intake, "/complaints", anonymous) == {"reporter": "contact_not_allowed"}
    bad = samples.canonical(
        unique("r"),
        reporter=samples.named_reporter(phone="12345", email="not-an-email", id_number="350628198512300047"),
    )
    assert await refused(intake, "/complaints", bad) == {
        "reporter.contact.phone": "bad_phone",
        "reporter.contact.email": "bad_email",
        "reporter.contact.id_number": "bad_id_number",
    }


async def test_wrong_types(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(
        unique("w"),
        amount_yuan="三十八万",
        land_mu=True,
        place_code=350605200206,
        occurred_at=1717000000,
        attachments="photo.jpg",
        external_ref=["x"],
    )
    assert await refused(intake, "/complaints", body) == {
        "amount_yuan": "wrong_type",
        "land_mu": "wrong_type",
        "place_code": "wrong_type",
        "occurred_at": "wrong_type",
        "attachments": "wrong_type",
        "external_ref": "wrong_type",
    }
    assert await refused(intake, "/complaints", ["not", "an", "object"]) == {"$": "wrong_type"}
    assert await refused(intake, "/channels/petition", "a letter") == {"$": "wrong_type"}


async def test_values_out_of_range_and_formats(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(
        unique("v"),
        amount_yuan="12.345",
        land_mu=-1,
        received_at="2024-06-03 08:00",
        attachments=[{"sha256": "abc", "size_bytes": 10, "media_type": "application/x-msdownload"}],
        surprise="field",
    )
    assert await refused(intake, "/complaints", body) == {
        "amount_yuan": "too_many_decimals",
        "land_mu": "out_of_range",
        "received_at": "naive_datetime",
        "attachments[0].sha256": "bad_sha256",
        "attachments[0].media_type": "media_type_not_allowed",
        "surprise": "unknown_field",
    }
    future = samples.canonical(unique("v"), received_at="2099-01-01T00:00:00+08:00")
    assert await refused(intake, "/complaints", future) == {"received_at": "received_in_future"}


async def test_native_errors_use_native_field_names(intake: Intake, unique: Callable[[str], str]) -> None:
    order = samples.hotline(unique("n"), content="")
    del order["work_order_no"]
    assert await refused(intake, "/channels/hotline_12345", order) == {
        "work_order_no": "missing",
        "content": "blank",
    }
    order = samples.hotline(unique("n"), caller_phone="12345")
    assert await refused(intake, "/channels/hotline_12345", order) == {"caller_phone": "bad_phone"}
    case = samples.petition(unique("n"), petitioner_id_number="350628198512300047", form="fax")
    assert await refused(intake, "/channels/petition", case) == {"form": "unknown_choice"}
    finding = samples.inspection(unique("n"), handed_over_at="2024-05-30 16:00", amount_yuan="三十八万")
    assert await refused(intake, "/channels/inspection", finding) == {
        "handed_over_at": "naive_datetime",
        "amount_yuan": "wrong_type",
    }
    problems = [{"category": "税务", "description": "x" * 6000}]
    log = samples.visit(unique("n"), problems=problems)
    assert await refused(intake, "/visits", log, token="demo-officer-token") == {
        "problems[0].category": "unknown_category",
        "problems[0].description": "too_long",
    }


async def test_unknown_channel_path_bad_json_and_bad_key(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    errors = await refused(intake, "/channels/fax", samples.hotline(unique("x")))
    assert errors == {"path.channel": "literal_error"}
    assert await refused(intake, "/complaints", b"{not json", status=400) == {"$": "bad_json"}
    async with intake.client() as http:
        r = await http.post(
            "/complaints",
            json=samples.canonical(unique("x")),
            headers={"Idempotency-Key": "has spaces in it"},
        )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "header.idempotency-key"


async def test_authentication_and_scope(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("a"))
    async with intake.client(None) as anonymous, intake.client("wrong") as wrong:
        assert (await anonymous.post("/complaints", json=body)).json()["error"]["code"] == "unauthenticated"
        assert (await wrong.post("/complaints", json=body)).json()["error"]["code"] == "invalid_credentials"
    async with intake.client("demo-officer-token") as officer:
        r = await officer.post("/complaints", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


async def test_text_postgresql_cannot_store_is_a_422(intake: Intake, unique: Callable[[str], str]) -> None:
    body = samples.canonical(unique("nul"), description="村集体鱼塘\u0000承包合同到期后仍被占用")
    assert await refused(intake, "/complaints", body) == {"description": "bad_format"}
    raw = json.dumps(samples.hotline(unique("sur"), content="\udbbd 截水")).encode()
    assert await refused(intake, "/channels/hotline_12345", raw) == {"content": "bad_format"}
