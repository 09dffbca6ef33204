"""The registry's CSV format: cells to fields, one error list per row, header problems once."""

from __future__ import annotations

from services.pairing.entrypoints.http.officer_csv import decode, rows

HEADER = "id,name,kind,unit,county_code,town_code,native_village_code,skills,capacity,available,past_posts"


def parse(*lines: str) -> list[tuple[int, object, list[dict[str, object]]]]:
    return list(rows("\n".join([HEADER, *lines])))


def test_a_full_row() -> None:
    [(number, officer, errors)] = parse(
        "A-1,林志强,township,佛昙镇纪委,350623,350623102,350623101226,finance; law ,3,否,"
        "350623101:2019-03-01:2022-06-30;350623:2015-01-01:")
    assert (number, errors) == (2, [])
    assert officer is not None
    dumped = officer.model_dump(mode="json")  # type: ignore[attr-defined]
    assert dumped["skills"] == ["finance", "law"] and dumped["capacity"] == 3 and dumped["available"] is False
    assert [(p["county_code"], p["town_code"], p["start"], p["end"]) for p in dumped["past_posts"]] == [
        ("350623", "350623101", "2019-03-01", "2022-06-30"), ("350623", None, "2015-01-01", None)]


def test_errors_name_the_row_and_the_field() -> None:
    out = parse("B-1,王,township,纪委,350623,3506231,,,,,",
                "B-2,王,township,纪委,350623,,,,,,350623101:2019",
                "B-1,王,township,纪委,350623,350623102,,,,,",  # the first B-1 was refused: no duplicate
                "B-1,王,township,纪委,350623,350623102,,,,,,extra")
    codes = [(n, [(e["field"], e["code"]) for e in errs]) for n, _, errs in out]
    assert codes == [
        (2, [("town_code", "string_pattern_mismatch")]),
        (3, [("", "unreadable")]),
        (4, []),
        (5, [("", "extra_cells")]),
    ]


def test_header_problems_and_encodings() -> None:
    [(number, officer, errors)] = list(rows("id,name,kind\nX,Y,township\n"))
    assert number == 1 and officer is None and errors[0]["code"] == "missing_columns"
    assert decode("林志强".encode("gb18030")) == "林志强"
    assert decode("\ufeff林志强".encode()) == "林志强"
