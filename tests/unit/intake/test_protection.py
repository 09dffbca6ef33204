from __future__ import annotations

import base64
import math
import re
from collections import Counter

import pytest

from services.intake.domain.protection.contact import ContactDetails, ReporterIn
from services.intake.domain.protection.id_number import is_valid_id_number
from services.intake.domain.protection.query_code import (
    ALPHABET,
    ENTROPY_BITS,
    QueryCodeHasher,
    new_query_code,
    normalise_query_code,
)
from services.intake.domain.protection.reporter import (
    contact_aad,
    new_reporter_ref,
    open_contact,
    protect_reporter,
)
from services.intake.domain.protection.sealing import (
    KeyRing,
    SealError,
    key_id_of,
    needs_reseal,
    new_key_setting,
    reseal,
    seal,
    unseal,
)
from services.intake.domain.vocabulary import ReporterMode

K1 = bytes(range(32))
K2 = bytes(range(32, 64))
CONTACT = ContactDetails(
    name="陈某某", phone="13812345678", id_number="350605199001011234", email="chen@example.com"
)
HASHER = QueryCodeHasher({"q1": b"q" * 32}, "q1")


def test_seal_roundtrip_and_key_id() -> None:
    ring = KeyRing({"k1": K1}, "k1")
    blob = seal(b"secret", ring, aad=b"rp_a")
    assert key_id_of(blob) == "k1" and b"secret" not in blob
    assert unseal(blob, ring, aad=b"rp_a") == b"secret"


def test_sealing_is_randomised() -> None:
    ring = KeyRing({"k1": K1}, "k1")
    assert seal(b"secret", ring, aad=b"x") != seal(b"secret", ring, aad=b"x")


def test_tampering_and_wrong_row_are_detected() -> None:
    ring = KeyRing({"k1": K1}, "k1")
    blob = bytearray(seal(b"secret", ring, aad=b"rp_a"))
    with pytest.raises(SealError):
        unseal(bytes(blob), ring, aad=b"rp_b")  # copied onto another reporter's row
    blob[-1] ^= 1
    with pytest.raises(SealError):
        unseal(bytes(blob), ring, aad=b"rp_a")
    with pytest.raises(SealError):
        unseal(b"\x07garbage", ring, aad=b"rp_a")


def test_rotation_old_blobs_open_new_ones_use_current_and_reseal_moves_them() -> None:
    old_ring = KeyRing({"k1": K1}, "k1")
    blob = seal(b"secret", old_ring, aad=b"rp_a")
    rotated = KeyRing({"k2": K2, "k1": K1}, "k2")
    assert unseal(blob, rotated, aad=b"rp_a") == b"secret"
    assert needs_reseal(blob, rotated)
    moved = reseal(blob, rotated, aad=b"rp_a")
    assert key_id_of(moved) == "k2" and not needs_reseal(moved, rotated)
    assert reseal(moved, rotated, aad=b"rp_a") is moved
    retired = KeyRing({"k2": K2}, "k2")  # k1 dropped once everything was resealed
    assert unseal(moved, retired, aad=b"rp_a") == b"secret"
    with pytest.raises(SealError, match="no longer in the ring"):
        unseal(blob, retired, aad=b"rp_a")


def test_key_ring_from_setting_and_key_material_never_in_repr() -> None:
    setting = new_key_setting("k2") + "," + "k1:" + base64.urlsafe_b64encode(K1).decode()
    ring = KeyRing.from_setting(setting)
    assert ring.current == "k2" and ring.keys["k1"] == K1
    assert "keys" not in repr(ring) and base64.urlsafe_b64encode(K1).decode() not in repr(ring)
    with pytest.raises(ValueError):
        KeyRing({"k1": b"short"}, "k1")
    with pytest.raises(ValueError):
        KeyRing({"k1": K1}, "k9")


def test_query_code_format_and_entropy() -> None:
    code = new_query_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}", code)
    assert ENTROPY_BITS >= 80
    codes = [new_query_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    # Every symbol position uses the whole alphabet roughly evenly (empirical entropy per symbol).
    counts = Counter(ch for c in codes for ch in c.replace("-", ""))
    total = sum(counts.values())
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values())
    assert set(counts) == set(ALPHABET) and entropy > 4.95


def test_query_code_read_back_is_forgiving() -> None:
    code = new_query_code()
    canonical = code.replace("-", "")
    assert normalise_query_code(code.lower().replace("-", " ")) == canonical
    assert normalise_query_code("0000011111ABCDEFGHJK") == "0000011111ABCDEFGHJK"
    assert normalise_query_code("ooooo-iiiii-abcde-fghjk") == "0000011111ABCDEFGHJK"
    assert normalise_query_code("ABCDE") is None
    assert normalise_query_code("UUUUU-UUUUU-UUUUU-UUUUU") is None  # U is not in the alphabet


def test_query_code_stored_only_as_keyed_hash_and_found_by_code() -> None:
    code = new_query_code()
    stored = HASHER.digest(code)
    assert code.replace("-", "") not in stored and stored.startswith("q1$")
    assert stored in HASHER.lookup_digests(code.lower())
    assert HASHER.verify(code, stored)
    assert not HASHER.verify(new_query_code(), stored)
    other_key = QueryCodeHasher({"q1": b"p" * 32}, "q1")
    assert other_key.digest(code) != stored  # a stolen table without the key checks nothing
    rotated = QueryCodeHasher({"q2": b"r" * 32, "q1": b"q" * 32}, "q2")
    assert stored in rotated.lookup_digests(code)  # old codes still found after rotation
    assert HASHER.lookup_digests("not a code") == []


def test_reporter_ref_is_random_and_opaque() -> None:
    refs = {new_reporter_ref() for _ in range(1000)}
    assert len(refs) == 1000
    assert all(re.fullmatch(r"rp_[a-z2-7]{26}", r) for r in refs)


def test_anonymous_reporter_gets_a_query_code_and_no_contact() -> None:
    ring = KeyRing({"k1": K1}, "k1")
    protection = protect_reporter(ReporterIn(mode=ReporterMode.ANONYMOUS), keys=ring, codes=HASHER)
    assert protection.query_code is not None
    assert protection.reporter.sealed_contact is None
    assert protection.reporter.query_code_digest == HASHER.digest(protection.query_code)
    assert protection.query_code not in repr(protection)


def test_named_reporter_contact_is_sealed_to_its_ref() -> None:
    ring = KeyRing({"k1": K1}, "k1")
    reporter = ReporterIn(mode=ReporterMode.CONFIDENTIAL, contact=CONTACT)
    protection = protect_reporter(reporter, keys=ring, codes=HASHER)
    stored = protection.reporter
    assert protection.query_code is None and stored.query_code_digest is None
    assert stored.sealed_contact is not None and stored.contact_key_id == "k1"
    for value in CONTACT.values():
        assert value.encode() not in stored.sealed_contact
        assert value not in repr(stored)
    assert open_contact(stored, ring) == CONTACT
    assert unseal(stored.sealed_contact, ring, aad=contact_aad(stored.reporter_ref))


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("350605199001011234", True),
        ("350605199001011235", False),  # check digit
        ("350605199002301234", False),  # 30 February
        ("350605189901011234", False),  # before 1900
        ("35060519900101123", False),  # 17 characters
        ("350605900101123", False),  # 15-digit legacy numbers are retired
        ("050605199001011234", False),
    ],
)
def test_id_number_checksum(number: str, valid: bool) -> None:
    assert is_valid_id_number(number) is valid


def test_contact_details_never_show_in_repr_or_str() -> None:
    reporter = ReporterIn(mode=ReporterMode.NAMED, contact=CONTACT)
    for text in (repr(reporter), str(reporter), repr(CONTACT), f"{CONTACT}"):
        for value in CONTACT.values():
            assert value not in text
