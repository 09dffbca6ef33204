"""Open311 GeoReport v2, checked field by field against the published spec."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.open311.errors import Open311Rejected
from services.intake.domain.open311.requests import (
    RequestView,
    parse_post_request,
    parse_request_query,
    post_response,
    request_body,
    token_response,
)
from services.intake.domain.open311.services import service_definition, service_list
from services.intake.domain.open311.xml import to_xml
from services.intake.domain.protection.query_code import new_query_code
from services.intake.domain.vocabulary import Category, Channel, Level, ReporterMode

from .conftest import NOW, ZHENGDA

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order",
                    "description", "values"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
}


def test_service_list_has_one_service_per_category_with_the_spec_fields() -> None:
    services = service_list()
    assert [s["service_code"] for s in services] == [c.value for c in Category]
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["type"] in {"realtime", "batch", "blackbox"}
        assert isinstance(service["metadata"], bool) and service["metadata"] is True
        assert isinstance(service["keywords"], str)


def test_service_definitions_follow_the_spec() -> None:
    for category in Category:
        definition = service_definition(category.value)
        assert definition is not None and set(definition) == {"service_code", "attributes"}
        attributes: Any = definition["attributes"]
        assert [a["order"] for a in attributes] == list(range(1, len(attributes) + 1))
        for attribute in attributes:
            assert set(attribute) == ATTRIBUTE_FIELDS
            assert attribute["datatype"] in DATATYPES
            assert isinstance(attribute["variable"], bool)
            assert isinstance(attribute["required"], bool)
            if attribute["datatype"].endswith("valuelist"):
                assert attribute["values"] and all(set(v) == {"key", "name"}
                                                   for v in attribute["values"])
    sanzi: Any = service_definition("sanzi")
    codes = {a["code"]: a["datatype"] for a in sanzi["attributes"]}
    assert codes["amount_yuan"] == "number" and codes["land_mu"] == "number"
    assert codes["occurred_at"] == "datetime" and codes["reporter_mode"] == "singlevaluelist"
    assert service_definition("三资") is None and service_definition("potholes") is None


def form(**fields: str) -> list[tuple[str, str]]:
    base = {
        "api_key": "demo-open311-key",
        "service_code": "sanzi",
        "address_id": ZHENGDA,
        "description": "村集体鱼塘低价发包给村干部亲属,租金远低于市场价。",
    }
    base.update(fields)
    return [(k, v) for k, v in base.items() if v != "-"]


def rejected(items: list[tuple[str, str]], registry: DivisionRegistry) -> Open311Rejected:
    with pytest.raises(Open311Rejected) as caught:
        parse_post_request(items, registry, now=NOW)
    return caught.value


def test_post_request_with_address_id_and_attributes(registry: DivisionRegistry) -> None:
    items = [
        *form(),
        ("attribute[amount_yuan]", "12000.50"),
        ("attribute[land_mu]", "35"),
        ("attribute[subject_name]", "正达村支书"),
        ("attribute[subject_role]", "village_cadre"),
        ("attribute[occurred_at]", "2023-03-01T09:00:00+08:00"),
        ("media_url", "https://img.example.org/p/1.jpg"),
        ("device_id", "phone-123"),
        ("account_id", "acct-9"),
    ]
    c = parse_post_request(items, registry, now=NOW)
    assert c.channel is Channel.ONLINE and c.category is Category.SANZI
    assert c.place.code == ZHENGDA and str(c.amount_yuan) == "12000.50"
    assert c.subject is not None and c.subject.name == "正达村支书"
    assert c.reporter is not None and c.reporter.mode is ReporterMode.ANONYMOUS
    assert c.channel_meta == {"via": "open311", "media_url": "https://img.example.org/p/1.jpg"}
    dumped = c.model_dump_json()
    for dropped in ("demo-open311-key", "phone-123", "acct-9"):
        assert dropped not in dumped


def test_post_request_reporter_fields(registry: DivisionRegistry) -> None:
    c = parse_post_request(
        form(last_name="陈", first_name="某某", phone="13812345678"), registry, now=NOW
    )
    assert c.reporter is not None and c.reporter.mode is ReporterMode.CONFIDENTIAL
    assert c.reporter.contact is not None and c.reporter.contact.name == "陈某某"
    items = [
        *form(last_name="Chen", first_name="Li", email="li@example.com"),
        ("attribute[reporter_mode]", "named"),
    ]
    c = parse_post_request(items, registry, now=NOW)
    assert c.reporter is not None and c.reporter.mode is ReporterMode.NAMED
    assert c.reporter.contact is not None and c.reporter.contact.name == "Li Chen"


def test_post_request_by_address_string(registry: DivisionRegistry) -> None:
    c = parse_post_request(
        form(address_id="-", address_string="长泰区坂里乡正达村"), registry, now=NOW
    )
    assert c.place.code == ZHENGDA


@pytest.mark.parametrize(
    ("fields", "extra", "fragment"),
    [
        ({"address_id": "-", "lat": "24.62", "long": "117.76"}, [], "lat/long"),
        ({"address_id": "-"}, [], "address_id"),
        ({"address_id": "-", "address_string": "我们村"}, [], "address_string"),
        ({"address_id": "350605200299"}, [], "address_id: 村级区划代码"),
        ({"service_code": "potholes"}, [], "service_code"),
        ({"service_code": "-"}, [], "service_code"),
        ({"description": "举" * 4001}, [], "description"),
        ({"description": "-"}, [], "description"),
        ({}, [("attribute[colour]", "red")], "attribute[colour]"),
        ({}, [("attribute[amount_yuan]", "很多")], "attribute[amount_yuan]"),
        ({}, [("attribute[subject_role]", "mayor")], "attribute[subject_role]"),
        ({}, [("attribute[reporter_mode]", "named")], "attribute[reporter_mode]"),
        ({"email": "not-an-email", "last_name": "陈"}, [], "email"),
    ],
)
def test_post_request_errors_are_code_and_description(
    registry: DivisionRegistry, fields: dict[str, str], extra: list[tuple[str, str]], fragment: str
) -> None:
    caught = rejected(form(**fields) + extra, registry)
    body = caught.as_body()
    assert body and all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == 400 for e in body) and caught.status == 400
    assert any(str(e["description"]).startswith(fragment) for e in body), body


def test_post_response_realtime_id_and_query_code_notice() -> None:
    code = new_query_code()
    (body,) = post_response("c-123", code)
    assert set(body) == {"service_request_id", "service_notice", "account_id"}
    assert body["service_request_id"] == "c-123" and code in str(body["service_notice"])
    (named,) = post_response("c-124", None)
    assert "查询码" not in str(named["service_notice"])
    assert token_response("t-1", "c-123") == [{"service_request_id": "c-123", "token": "t-1"}]


def _view(registry: DivisionRegistry, **overrides: Any) -> RequestView:
    items = [
        *form(description="村干部把集体鱼塘租给亲属,举报人电话13812345678"),
        ("attribute[subject_role]", "commission_staff"),
        ("attribute[subject_name]", "坂里乡纪委某干部"),
    ]
    complaint = parse_post_request(items, registry, now=NOW)
    return RequestView.of("c-123", complaint, **overrides)


def test_request_body_has_every_spec_field_and_no_personal_data(
    registry: DivisionRegistry,
) -> None:
    body = request_body(_view(registry, closed=True, status_notes="已整改,承包合同已重新公开发包"))
    assert set(body) == REQUEST_FIELDS
    assert body["status"] == "closed" and body["service_code"] == "sanzi"
    assert body["address_id"] == ZHENGDA and body["address"] == "漳州市长泰区坂里乡正达村"
    assert "13812345678" not in str(body) and "[PHONE]" in str(body["description"])
    assert "坂里乡纪委某干部" not in str(body)  # subjects and officers are never listed
    assert body["agency_responsible"] == "长泰区纪委监委"  # 提级: the county, not the town
    assert body["requested_datetime"] == NOW.isoformat(timespec="seconds")
    assert request_body(_view(registry))["status"] == "open"


def test_agency_is_the_township_commission_without_escalation(registry: DivisionRegistry) -> None:
    c = parse_post_request(form(), registry, now=NOW)
    assert c.routing.handling_level is Level.TOWN
    body = request_body(RequestView.of("c-1", c))
    assert body["agency_responsible"] == "长泰区坂里乡纪委"


def test_request_query_defaults_and_limits() -> None:
    query = parse_request_query({}, now=NOW)
    assert query.end == NOW and query.start == NOW - timedelta(days=90)
    assert query.limit == 1000 and query.ids == () and query.statuses == ()
    query = parse_request_query(
        {"service_request_id": "c-1, c-2", "service_code": "sanzi,ecology",
         "status": "open,closed", "start_date": "2024-05-01T00:00:00+08:00",
         "end_date": "2024-05-31T00:00:00Z"},
        now=NOW,
    )
    assert query.ids == ("c-1", "c-2")
    assert query.service_codes == (Category.SANZI, Category.ECOLOGY)
    assert query.end == datetime.fromisoformat("2024-05-31T00:00:00+00:00")
    for bad in (
        {"status": "pending"},
        {"service_code": "potholes"},
        {"start_date": "2024-01-01T00:00:00+08:00"},  # more than 90 days before now
        {"start_date": "yesterday"},
        {"start_date": "2024-05-01T00:00:00"},
        {"start_date": "2024-06-01T00:00:00+08:00", "end_date": "2024-05-01T00:00:00+08:00"},
    ):
        with pytest.raises(Open311Rejected) as caught:
            parse_request_query(bad, now=NOW)
        assert caught.value.status == 400


def test_xml_bodies_use_the_spec_element_names(registry: DivisionRegistry) -> None:
    services = ET.fromstring(to_xml("services", service_list()))
    assert services.tag == "services"
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert codes == [c.value for c in Category]
    assert services.find("service/metadata") is not None
    assert services.findtext("service/metadata") == "true"

    definition = ET.fromstring(to_xml("service_definition", service_definition("sanzi")))
    attribute = definition.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("code") == "reporter_mode"
    assert attribute.find("values/value/key") is not None

    requests = ET.fromstring(to_xml("service_requests", [request_body(_view(registry))]))
    assert requests.findtext("request/status") == "open"
    assert requests.find("request/lat") is not None and not requests.findtext("request/lat")

    errors = ET.fromstring(to_xml("errors", [{"code": 403, "description": "Invalid api_key"}]))
    assert errors.findtext("error/code") == "403"
    assert errors.findtext("error/description") == "Invalid api_key"
