"""Property tests: checksums, redaction and query codes hold for any input, not just examples."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.protection.id_number import check_digit, is_valid_id_number
from services.intake.domain.protection.query_code import (
    QueryCodeHasher,
    new_query_code,
    normalise_query_code,
)
from services.intake.domain.protection.redaction import find_pii, redact

HAN = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=12)
births = st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["350605", "350623", "350628", "110105"]))
    born: date = draw(births)
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


@given(id_numbers())
def test_every_well_formed_id_number_is_valid_and_any_other_check_digit_is_not(number: str) -> None:
    assert is_valid_id_number(number)
    for wrong in "0123456789X":
        if wrong != number[-1]:
            assert not is_valid_id_number(number[:-1] + wrong)


@given(HAN, st.from_regex(r"1[3-9]\d{9}", fullmatch=True), HAN)
def test_any_mobile_number_in_chinese_text_is_redacted(before: str, phone: str, after: str) -> None:
    text = f"{before}{phone}{after}"
    assert phone not in redact(text)
    assert [f.value for f in find_pii(text)] == [phone]


@given(HAN, id_numbers(), HAN)
def test_any_id_number_in_chinese_text_is_redacted(before: str, number: str, after: str) -> None:
    assert number not in redact(f"{before}{number}{after}")


@given(st.data())
def test_query_codes_read_back_however_they_are_typed(data: st.DataObject) -> None:
    code = new_query_code()
    canonical = code.replace("-", "")
    typed = "".join(
        data.draw(st.sampled_from([ch, ch.lower()])) + data.draw(st.sampled_from(["", " ", "-"]))
        for ch in canonical
    )
    assert normalise_query_code(typed) == canonical
    hasher = QueryCodeHasher({"q1": b"k" * 32}, "q1")
    assert hasher.verify(typed, hasher.digest(code))


@given(st.integers(min_value=0, max_value=36500))
def test_division_and_date_digits_are_not_phone_numbers(days: int) -> None:
    moment = date(1950, 1, 1) + timedelta(days=days)
    text = f"区划350605200206 日期{moment:%Y%m%d} 时间{moment.isoformat()}T09:30:00+08:00"
    assert find_pii(text) == []
