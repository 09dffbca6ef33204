from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.signing import (
    SIGNATURE_HEADER,
    BadSignature,
    InMemoryReplayCache,
    MalformedSignature,
    MissingSignature,
    ReplayedRequest,
    StaleTimestamp,
    compute_signature,
    sign,
    verify,
)

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
OLD = "whsec_old_secret_0123456789abcdef"
NEW = "whsec_new_secret_0123456789abcdef"
BODY = '{"id":"k-1","status":"closed","status_label":"已办结销号"}'.encode()


def check(
    headers: dict[str, str],
    body: bytes = BODY,
    secrets: tuple[str, ...] = (OLD,),
    now: datetime = NOW,
    cache: InMemoryReplayCache | None = None,
) -> None:
    verify(
        headers, body, secrets, now, replay_cache=InMemoryReplayCache() if cache is None else cache
    )


def test_header_format_is_the_documented_one() -> None:
    headers = sign(BODY, [OLD], NOW)
    t = int(NOW.timestamp())
    assert headers == {SIGNATURE_HEADER: f"t={t},v1={compute_signature(OLD, t, BODY)}"}


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    t = int(NOW.timestamp())
    expected = hmac.new(OLD.encode(), f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(OLD, t, BODY) == expected


def test_round_trip() -> None:
    verified = verify(
        sign(BODY, [OLD], NOW),
        BODY,
        [OLD],
        NOW + timedelta(seconds=3),
        replay_cache=InMemoryReplayCache(),
    )
    assert verified.timestamp == int(NOW.timestamp())


def test_header_name_is_case_insensitive() -> None:
    check({"x-signature": sign(BODY, [OLD], NOW)[SIGNATURE_HEADER]})


def test_tampered_body_or_wrong_secret_fails() -> None:
    headers = sign(BODY, [OLD], NOW)
    with pytest.raises(BadSignature):
        check(headers, body=BODY.replace(b"closed", b"opened"))
    with pytest.raises(BadSignature):
        check(headers, secrets=(NEW,))


def test_timestamp_cannot_be_moved_without_breaking_the_signature() -> None:
    t = int(NOW.timestamp())
    sig = compute_signature(OLD, t, BODY)
    with pytest.raises(BadSignature):
        check({SIGNATURE_HEADER: f"t={t + 100},v1={sig}"}, now=NOW + timedelta(seconds=100))


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_stale_or_future_timestamps_are_refused(skew: int) -> None:
    with pytest.raises(StaleTimestamp):
        check(sign(BODY, [OLD], NOW), now=NOW + timedelta(seconds=skew))


def test_edge_of_the_window_is_accepted() -> None:
    check(sign(BODY, [OLD], NOW), now=NOW + timedelta(seconds=300))


def test_replay_is_refused_inside_the_window() -> None:
    cache = InMemoryReplayCache()
    headers = sign(BODY, [OLD], NOW)
    check(headers, cache=cache)
    with pytest.raises(ReplayedRequest):
        check(headers, now=NOW + timedelta(seconds=10), cache=cache)


def test_a_replay_after_the_window_is_stale_not_remembered() -> None:
    cache = InMemoryReplayCache()
    headers = sign(BODY, [OLD], NOW)
    check(headers, cache=cache)
    later = NOW + timedelta(seconds=400)
    check(sign(b"{}", [OLD], later), body=b"{}", now=later, cache=cache)  # prunes
    assert len(cache) == 1
    with pytest.raises(StaleTimestamp):
        check(headers, now=later, cache=cache)


def test_failed_verifications_do_not_fill_the_replay_cache() -> None:
    cache = InMemoryReplayCache()
    with pytest.raises(BadSignature):
        check(sign(BODY, [NEW], NOW), cache=cache)
    assert len(cache) == 0


def test_rotation_sender_signs_with_both_and_either_receiver_verifies() -> None:
    headers = sign(BODY, [NEW, OLD], NOW)
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    check(headers, secrets=(OLD,))
    check(headers, secrets=(NEW,))


def test_rotation_receiver_holding_both_accepts_either_signature() -> None:
    check(sign(BODY, [NEW], NOW), secrets=(NEW, OLD))
    check(sign(BODY, [OLD], NOW), secrets=(NEW, OLD))


def test_unknown_schemes_are_ignored() -> None:
    t = int(NOW.timestamp())
    sig = compute_signature(OLD, t, BODY)
    check({SIGNATURE_HEADER: f"t={t},v0=deadbeef,v2=abc,v1={sig}"})


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "t=abc,v1=00",
        "v1=00",
        "t=1",
        "t=1,t=2,v1=00",
        "t=１２,v1=00",
        "t=1," + ",".join(["v1=00"] * 9),
    ],
)
def test_malformed_headers(value: str) -> None:
    with pytest.raises(MalformedSignature):
        check({SIGNATURE_HEADER: value})


def test_missing_header() -> None:
    with pytest.raises(MissingSignature):
        check({"Content-Type": "application/json"})


def test_non_ascii_signature_is_a_mismatch_not_a_crash() -> None:
    with pytest.raises(BadSignature):
        check({SIGNATURE_HEADER: f"t={int(NOW.timestamp())},v1=签名"})


def test_sign_needs_a_secret_and_an_aware_time() -> None:
    with pytest.raises(ValueError):
        sign(BODY, [], NOW)
    with pytest.raises(ValueError):
        sign(BODY, [OLD], datetime(2025, 9, 30))
