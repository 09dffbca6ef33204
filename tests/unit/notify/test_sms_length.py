import pytest

from services.notify.domain.sms_length import sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),  # 153 per part once split
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("{" * 80, "gsm7", 160, 1),  # extension characters take two septets
        ("{" * 81, "gsm7", 162, 2),
        ("漳" * 70, "ucs2", 70, 1),
        ("漳" * 71, "ucs2", 71, 2),  # 67 per part once split
        ("漳" * 134, "ucs2", 134, 2),
        ("漳" * 135, "ucs2", 135, 3),
        ("a" * 69 + "漳", "ucs2", 70, 1),  # one Chinese character switches the whole text
        ("😀" * 35, "ucs2", 70, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, "ucs2", 72, 2),
    ],
)
def test_segments(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
