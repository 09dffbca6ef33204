"""The officer registry over HTTP: validation with machine-readable errors, relations, and the
CSV import with per-row errors, a dry run, all-or-nothing and GB18030 files."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.pairing.harness import ADMIN, OFFICER, Pairing, officer

pytestmark = pytest.mark.infra

ZHANGPU, JIUZHEN, FOTAN = "350623", "350623101", "350623102"
HEADER = ("id,name,kind,unit,county_code,town_code,village_code,native_village_code,skills,capacity,"
          "available,past_posts")


@pytest.fixture(scope="module")
async def registry(pairing: Pairing) -> AsyncIterator[Pairing]:
    await pairing.call("PUT", "/officers/R-1", json=officer("R-1", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN,
                                                          skills=["finance"]))
    yield pairing


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"kind": "county_dept", "town_code": JIUZHEN}, "county_post_has_no_town", "town_code"),
    ({"town_code": "350622100"}, "town_not_in_county", "town_code"),
    ({"town_code": "350623199"}, "unknown_place", "town_code"),
    ({"town_code": None}, "required", "town_code"),
    ({"native_village_code": "350623101999"}, "unknown_place", "native_village_code"),
    ({"past_posts": [{"county_code": ZHANGPU, "town_code": "350622101"}]}, "town_not_in_county",
     "past_posts.0.town_code"),
])
async def test_registry_rules_are_422_with_the_field(registry: Pairing, body: dict[str, object], code: str,
                                                     field: str) -> None:
    candidate = officer("R-2", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN) | body
    error = (await registry.call("PUT", "/officers/R-2", 422, json=candidate))["error"]
    assert error["code"] == "invalid_officer"
    assert {"field": field, "code": code} in [{k: d[k] for k in ("field", "code")} for d in error["details"]]
    await registry.call("GET", "/officers/R-2", 404)


@pytest.mark.parametrize("body", [
    {"kind": "mayor"}, {"skills": ["finance", "finance"]}, {"capacity": -1}, {"extra": 1},
    {"county_code": "3506"}, {"name": ""}, {"past_posts": [{"county_code": ZHANGPU, "start": "2024-01-02",
                                                             "end": "2023-01-01"}]},
])
async def test_schema_violations_are_validation_failed(registry: Pairing, body: dict[str, object]) -> None:
    candidate = officer("R-3", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN) | body
    error = (await registry.call("PUT", "/officers/R-3", 422, json=candidate))["error"]
    assert error["code"] == "validation_failed" and error["details"]


async def test_scopes_and_ids(registry: Pairing) -> None:
    body = officer("R-4", "township", "旧镇镇纪委", ZHANGPU, JIUZHEN)
    assert (await registry.call("PUT", "/officers/R-4", 401, headers={}, json=body))["error"]["code"] in (
        "unauthenticated", "invalid_credentials")
    reader = await registry.call("PUT", "/officers/R-4", 403, headers=OFFICER, json=body)
    assert reader["error"]["code"] == "forbidden"
    assert (await registry.call("PUT", "/officers/R-5", 422, json=body))["error"]["code"] == "id_mismatch"


async def test_relations_are_declared_once(registry: Pairing) -> None:
    relation = {"kind": "kin", "target_kind": "person", "target": "旧城村主任李某", "note": "表兄"}
    first = await registry.call("POST", "/officers/R-1/relations", 201, json=relation)
    again = await registry.call("POST", "/officers/R-1/relations", 200, json=relation)
    assert first["relations"] == again["relations"] and len(again["relations"]) == 1
    assert first["relations"][0]["note"] == "表兄" and first["relations"][0]["declared_at"]
    place = {"kind": "interest", "target_kind": "place", "target": "350623101999"}
    assert (await registry.call("POST", "/officers/R-1/relations", 422, json=place))["error"]["code"] == \
        "unknown_place"
    bad = {"kind": "interest", "target_kind": "place", "target": "旧镇"}
    assert (await registry.call("POST", "/officers/R-1/relations", 422, json=bad))["error"]["code"] == \
        "validation_failed"
    await registry.call("POST", "/officers/NOBODY/relations", 404, json=relation)


async def test_csv_import_reports_every_bad_row_and_imports_nothing(registry: Pairing) -> None:
    text = "\n".join([
        HEADER,
        "I-1,林志强,township,佛昙镇纪委,350623,350623102,,350623101226,finance;law,4,true,"
        "350623101:2019-03-01:2022-06-30",
        "I-2,陈丽华,mayor,佛昙镇纪委,350623,350623102,,,,4,true,",
        "I-3,黄建平,township,佛昙镇纪委,350623,350623102,,350623101999,,4,true,",
        "I-1,吴秀英,township,佛昙镇纪委,350623,350623102,,,,4,true,",
        "I-5,郑国栋,county_dept,漳浦县纪委监委,350623,,,,,many,true,",
        "I-6,张晓燕,township,佛昙镇纪委,350623,350623102,,,,4,maybe,",
    ]).encode()
    dry = await registry.call("POST", "/officers/import?dry_run=true", 200, content=text,
                              headers={**ADMIN, "Content-Type": "text/csv"})
    assert dry["dry_run"] is True and dry["rows"] == 6 and dry["valid"] == 1
    by_row = {(e["row"], e["code"]) for e in dry["errors"]}
    assert {(3, "literal_error"), (4, "unknown_place"), (5, "duplicate_id"), (6, "int_parsing"),
            (7, "unreadable")} <= by_row
    assert {e["row"] for e in dry["errors"]} == {3, 4, 5, 6, 7}
    rejected = await registry.call("POST", "/officers/import", 422, content=text)
    assert rejected["error"]["code"] == "import_rejected"
    assert {(d["row"], d["code"]) for d in rejected["error"]["details"]} == by_row
    await registry.call("GET", "/officers/I-1", 404)
    header_only = await registry.call("POST", "/officers/import", 422, content=b"id,name,colour\nX,Y,red\n")
    assert header_only["error"]["details"][0]["code"] == "missing_columns"


async def test_csv_import_takes_a_gb18030_file_and_updates_on_the_second_run(registry: Pairing) -> None:
    text = "\n".join([
        HEADER,
        "G-1,林志强,township,佛昙镇纪委,350623,350623102,,350623101226,finance;law,4,是,"
        "350623101:2019-03-01:2022-06-30;350623:2016-01-01:2018-12-31",
        "G-2,陈丽华,village_supervisor,园东村监委会,350623,,350623102201,,conduct,,否,",
    ]).encode("gb18030")
    report = await registry.call("POST", "/officers/import", 200, content=text)
    assert (report["created"], report["updated"], report["errors"]) == (2, 0, [])
    g1 = await registry.call("GET", "/officers/G-1")
    assert g1["skills"] == ["finance", "law"] and g1["native_village_code"] == "350623101226"
    assert g1["past_posts"][0] == {"unit": "", "county_code": ZHANGPU, "town_code": JIUZHEN,
                                   "village_code": None, "start": "2019-03-01", "end": "2022-06-30"}
    g2 = await registry.call("GET", "/officers/G-2")
    assert (g2["town_code"], g2["available"], g2["capacity"]) == (FOTAN, False, 5)
    again = await registry.call("POST", "/officers/import", 200, content=text)
    assert (again["created"], again["updated"]) == (0, 2)
    page = await registry.call("GET", f"/officers?town_code={FOTAN}&limit=1")
    assert [o["id"] for o in page["items"]] == ["G-1"] and page["next_after"] == "G-1"
    rest = await registry.call("GET", f"/officers?town_code={FOTAN}&after=G-1")
    assert [o["id"] for o in rest["items"]] == ["G-2"] and rest["next_after"] is None


async def test_csv_import_of_thousands_of_officers_is_stored_in_chunks(registry: Pairing) -> None:
    """More rows than one statement can bind (32,767 values at 14 a row)."""
    rows = [f"B-{n:05d},干部{n},township,佛昙镇纪委,350623,350623102,,,,4,true," for n in range(2_500)]
    report = await registry.call("POST", "/officers/import", 200, content="\n".join([HEADER, *rows]).encode())
    assert (report["created"], report["updated"], report["errors"]) == (2_500, 0, [])
    await registry.call("GET", "/officers/B-02499")


async def test_csv_bytes_that_are_no_text_are_a_422(registry: Pairing) -> None:
    garbage = HEADER.encode() + b"\n\x80\x80,\xff\n"  # neither UTF-8 nor GB18030
    refused = await registry.call("POST", "/officers/import", 422, content=garbage)
    assert refused["error"]["code"] == "unreadable_csv"
