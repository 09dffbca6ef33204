"""The Open311 GeoReport v2 façade, checked field by field against the published spec
(https://wiki.open311.org/GeoReport_v2): services, service definitions, form-encoded POST with
api_key, request listing with its filters and 90-day window, tokens, XML, `[{code, description}]`."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake
from tests.integration.intake.ledger_events import Problem, publish

pytestmark = pytest.mark.infra
BASE = "/open311/v2"
KEY = "demo-open311-key"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def form(**fields: str) -> dict[str, str]:
    base = {
        "api_key": KEY,
        "service_code": "sanzi",
        "address_id": samples.ZHENGDA,
        "description": "正达村集体果园承包合同到期后仍被村主任亲属占用,承包费未入账。",
    }
    return {**base, **fields}


def spec_error(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    (error,) = r.json()
    assert set(error) == {"code", "description"} and error["code"] == status
    description: str = error["description"]
    return description


async def test_service_discovery(intake: Intake) -> None:
    async with intake.client(None) as http:
        services = (await http.get(f"{BASE}/services.json")).json()
        xml = await http.get(f"{BASE}/services.xml")
        definition = (await http.get(f"{BASE}/services/sanzi.json")).json()
        definition_xml = await http.get(f"{BASE}/services/sanzi.xml")
        missing = await http.get(f"{BASE}/services/taxes.json")
    assert [s["service_code"] for s in services] == [
        "sanzi",
        "bidding",
        "conduct",
        "benefits",
        "ecology",
        "livelihood",
        "other",
    ]
    assert all(set(s) == SERVICE_FIELDS and s["type"] == "realtime" and s["metadata"] for s in services)
    assert services[0]["service_name"] == "三资"
    root = ET.fromstring(xml.text)
    assert xml.headers["content-type"].startswith("text/xml") and root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")][:2] == ["sanzi", "bidding"]
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]
    assert definition["service_code"] == "sanzi"
    attributes = definition["attributes"]
    assert all(set(a) == ATTRIBUTE_FIELDS and a["datatype"] in DATATYPES for a in attributes)
    assert [a["order"] for a in attributes] == list(range(1, len(attributes) + 1))
    mode = next(a for a in attributes if a["code"] == "reporter_mode")
    assert {v["key"] for v in mode["values"]} == {"named", "confidential", "anonymous"}
    assert ET.fromstring(definition_xml.text).tag == "service_definition"
    assert "taxes" in spec_error(missing, 404)


async def test_post_a_request_and_read_it_back(intake: Intake, unique: Callable[[str], str]) -> None:
    async with intake.client(None) as http:
        r = await http.post(
            f"{BASE}/requests.json",
            data=form(**{"attribute[reporter_mode]": "anonymous"}),
            headers={"Idempotency-Key": unique("o311")},
        )
        assert r.status_code == 200, r.text
        (created,) = r.json()
        assert set(created) == {"service_request_id", "service_notice", "account_id"}
        request_id = created["service_request_id"]
        code = created["service_notice"].split("查询码:")[1].split("。")[0]
        assert (await http.get(f"/progress/{code}")).status_code == 200  # the notice's code works

        (one,) = (await http.get(f"{BASE}/requests/{request_id}.json", params={"api_key": KEY})).json()
        assert set(one) == REQUEST_FIELDS
        assert (one["service_request_id"], one["status"], one["service_code"]) == (
            request_id,
            "open",
            "sanzi",
        )
        assert one["address_id"] == samples.ZHENGDA and one["address"].startswith("漳州市长泰区坂里乡正达")
        assert one["agency_responsible"] == "长泰区坂里乡纪委"
        assert datetime.fromisoformat(one["requested_datetime"]).tzinfo is not None
        assert one["lat"] is None and one["long"] is None  # we place by division code, not GPS

        xml = await http.get(f"{BASE}/requests/{request_id}.xml", params={"api_key": KEY})
        root = ET.fromstring(xml.text)
        assert root.tag == "service_requests" and root.findtext("request/service_request_id") == request_id
        token = (await http.get(f"{BASE}/tokens/{request_id}.json", params={"api_key": KEY})).json()
        assert token == [{"service_request_id": request_id, "token": request_id}]


async def test_named_reporter_and_escalation_through_attributes(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    fields = form(
        first_name="秀英",
        last_name="陈",
        phone="13859011223",
        email="chen@example.com",
        **{
            "attribute[subject_name]": "坂里乡纪委某干部",
            "attribute[subject_role]": "commission_staff",
            "service_code": "conduct",
        },
    )
    async with intake.client(None) as http:
        (created,) = (await http.post(f"{BASE}/requests.json", data=fields)).json()
        assert "查询码" not in created["service_notice"]  # a confidential reporter is reached directly
        (one,) = (
            await http.get(f"{BASE}/requests/{created['service_request_id']}.json", params={"api_key": KEY})
        ).json()
    assert one["agency_responsible"] == "长泰区纪委监委"  # 提级: one level up from the town commission
    mode = await intake.scalar(
        "SELECT r.mode FROM reporters r JOIN complaints c USING (reporter_ref) WHERE c.id = :c",
        c=created["service_request_id"],
    )
    assert mode == "confidential"  # details left without a chosen mode are protected, not exposed


async def test_spec_errors(intake: Intake) -> None:
    async with intake.client(None) as http:
        no_key = await http.post(f"{BASE}/requests.json", data={**form(), "api_key": ""})
        bad_key = await http.post(f"{BASE}/requests.json", data=form(api_key="guess"))
        read_only = await http.post(f"{BASE}/requests.json", data=form(api_key="demo-officer-token"))
        unknown = await http.post(f"{BASE}/requests.json", data=form(service_code="taxes"))
        gps = await http.post(
            f"{BASE}/requests.json",
            data={**{k: v for k, v in form().items() if k != "address_id"}, "lat": "24.6", "long": "117.8"},
        )
        bad_attr = await http.post(f"{BASE}/requests.json", data=form(**{"attribute[colour]": "red"}))
        coarse = await http.post(f"{BASE}/requests.xml", data=form(address_id="350605"))
        listing = await http.get(f"{BASE}/requests.json")
    assert "api_key" in spec_error(no_key, 403)
    assert "api_key" in spec_error(bad_key, 403)
    assert "api_key" in spec_error(read_only, 403)
    assert "service_code" in spec_error(unknown, 400)
    assert "lat/long" in spec_error(gps, 400)
    assert "attribute[colour]" in spec_error(bad_attr, 400)
    assert coarse.status_code == 400
    error = ET.fromstring(coarse.text).find("error")
    assert error is not None and error.findtext("code") == "400"
    assert "address_id" in (error.findtext("description") or "")
    assert "api_key" in spec_error(listing, 403)


async def test_listing_filters_and_the_ninety_day_window(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    async with intake.client(None) as http:
        ids = []
        for code in ("ecology", "benefits"):
            (created,) = (
                await http.post(
                    f"{BASE}/requests.json",
                    data=form(service_code=code, description=f"{unique(code)}:田厝村海域违规养殖浮球回潮"),
                )
            ).json()
            ids.append(created["service_request_id"])
        listed = (
            await http.get(
                f"{BASE}/requests.json", params={"api_key": KEY, "service_code": "ecology,benefits"}
            )
        ).json()
        only_ecology = (
            await http.get(
                f"{BASE}/requests.json", params={"api_key": KEY, "service_code": "ecology", "status": "open"}
            )
        ).json()
        closed = (await http.get(f"{BASE}/requests.json", params={"api_key": KEY, "status": "closed"})).json()
        by_ids = (
            await http.get(
                f"{BASE}/requests.json",
                params={"api_key": KEY, "service_request_id": ",".join(ids), "service_code": "sanzi"},
            )
        ).json()
        now = datetime.now(UTC)
        too_wide = await http.get(
            f"{BASE}/requests.json",
            params={
                "api_key": KEY,
                "start_date": (now - timedelta(days=91)).isoformat(),
                "end_date": now.isoformat(),
            },
        )
        backwards = await http.get(
            f"{BASE}/requests.json",
            params={
                "api_key": KEY,
                "start_date": now.isoformat(),
                "end_date": (now - timedelta(days=1)).isoformat(),
            },
        )
        old = (
            await http.get(
                f"{BASE}/requests.json",
                params={
                    "api_key": KEY,
                    "start_date": (now - timedelta(days=60)).isoformat(),
                    "end_date": (now - timedelta(days=31)).isoformat(),
                },
            )
        ).json()
        bad_status = await http.get(f"{BASE}/requests.json", params={"api_key": KEY, "status": "pending"})
    assert set(ids) <= {r["service_request_id"] for r in listed}
    assert {r["service_code"] for r in listed} <= {"ecology", "benefits"}
    assert ids[0] in {r["service_request_id"] for r in only_ecology} and ids[1] not in {
        r["service_request_id"] for r in only_ecology
    }
    assert not set(ids) & {r["service_request_id"] for r in closed}
    assert {r["service_request_id"] for r in by_ids} == set(ids)  # ids win over other filters
    assert "90" in spec_error(too_wide, 400)
    spec_error(backwards, 400)
    assert not set(ids) & {r["service_request_id"] for r in old}
    spec_error(bad_status, 400)
    # Another calling system does not see these requests: they are complaints about named cadres.
    async with intake.client(None) as http:
        theirs = (await http.get(f"{BASE}/requests.json", params={"api_key": "demo-hotline-token"})).json()
    assert not set(ids) & {r["service_request_id"] for r in theirs}


async def test_status_and_notes_come_from_the_ledger(intake: Intake, unique: Callable[[str], str]) -> None:
    async with intake.client(None) as http:
        (created,) = (
            await http.post(
                f"{BASE}/requests.json",
                data=form(
                    description=f"{unique('notes')}:狮头村山林承包费去向不明", address_id=samples.SHITOU
                ),
            )
        ).json()
    request_id = created["service_request_id"]
    key = await intake.scalar("SELECT problem_key FROM complaints WHERE id = :c", c=request_id)
    problem = Problem(key, request_id, start=datetime.now(UTC))
    await publish(
        intake.bootstrap,
        problem.opened(),
        problem.change("assign", "assigned", actor="pairing"),
        problem.change("set_plan", "rectifying"),
        problem.change("submit_rectification", "awaiting_review"),
        problem.change("pass_review", "reviewed"),
        problem.change("close", "closed", reason="承包费已追回并公示"),
    )
    deadline = time.monotonic() + 30
    async with intake.client(None) as http:
        while True:
            (one,) = (await http.get(f"{BASE}/requests/{request_id}.json", params={"api_key": KEY})).json()
            if one["status"] == "closed" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    assert one["status"] == "closed"
    assert one["status_notes"] == "已办结:承包费已追回并公示"
    assert one["updated_datetime"] > one["requested_datetime"]
