from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.notification import EventRef
from services.notify.domain.status_changes import StatusChange
from services.notify.domain.subscriptions import (
    SigningSecret,
    SubscriptionError,
    SubscriptionFilter,
    check_endpoint,
)
from tests.unit.notify.factories import SECRET, T0, subscription

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
NEW = "whsec_rotated_secret_0123456789ab"
NEWER = "whsec_rotated_again_0123456789ab"


def change(
    *,
    complaints: tuple[str, ...] = ("C-1",),
    category: str = "sanzi",
    area: str = "350605200206",
    status: str = "closed",
    event_type: str = "cn.gov.zhangzhou.supervision.ledger.problem.status_changed.v1",
) -> StatusChange:
    return StatusChange(
        event=EventRef("/supervision/ledger", "e-1", event_type),
        occurred_at=T0,
        status=status,
        complaint_ids=complaints,
        problem_id="P-1",
        category=category,
        area_code=area,
    )


def test_per_complaint() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"}))
    assert sub.matches(change(complaints=("C-9", "C-1")))
    assert not sub.matches(change(complaints=("C-2",)))
    assert not sub.matches(change(complaints=()))


def test_by_category_and_area_prefix() -> None:
    sub = subscription(categories=frozenset({"sanzi"}), area_prefixes=frozenset({"350605"}))
    assert sub.matches(change())  # 长泰区坂里乡正达村
    assert not sub.matches(change(category="ecology"))
    assert not sub.matches(change(area="350623101226"))  # 漳浦县旧镇镇狮头村


def test_town_and_city_prefixes() -> None:
    assert subscription(area_prefixes=frozenset({"350605200"})).matches(change())
    assert subscription(area_prefixes=frozenset({"3506"})).matches(change(area="350623101"))
    assert not subscription(area_prefixes=frozenset({"350605101"})).matches(change())


def test_event_types_and_statuses_narrow_the_match() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"}), statuses=frozenset({"closed"}))
    assert sub.matches(change())
    assert not sub.matches(change(status="assigned"))
    only_intake = subscription(
        complaint_ids=frozenset({"C-1"}),
        event_types=frozenset({"cn.gov.zhangzhou.supervision.intake.complaint.received.v1"}),
    )
    assert not only_intake.matches(change())


def test_paused_matches_nothing_and_resume_restores() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"})).pause()
    assert not sub.matches(change())
    assert sub.resume().matches(change())


def test_a_filter_needs_a_criterion() -> None:
    with pytest.raises(SubscriptionError):
        SubscriptionFilter(statuses=frozenset({"closed"}))


@pytest.mark.parametrize("prefix", ["3", "35060", "3506052", "35060520020", "abcdef", "３５"])
def test_area_prefixes_must_be_division_code_levels(prefix: str) -> None:
    with pytest.raises(SubscriptionError):
        SubscriptionFilter(area_prefixes=frozenset({prefix}))


def test_rotation_keeps_the_old_secret_for_the_grace_period() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"})).rotate_secret(
        NEW, NOW, grace=timedelta(hours=1)
    )
    assert sub.signing_secrets(NOW) == (NEW, SECRET)
    assert sub.signing_secrets(NOW + timedelta(minutes=59)) == (NEW, SECRET)
    assert sub.signing_secrets(NOW + timedelta(hours=1)) == (NEW,)


def test_two_rotations_keep_at_most_two_live_secrets() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"}))
    sub = sub.rotate_secret(NEW, NOW).rotate_secret(NEWER, NOW + timedelta(minutes=5))
    assert sub.signing_secrets(NOW + timedelta(minutes=5)) == (NEWER, NEW)
    assert len(sub.secrets) == 2


def test_rotation_never_extends_an_expiring_secret() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"})).rotate_secret(
        NEW, NOW, grace=timedelta(minutes=10)
    )
    later = sub.rotate_secret(NEWER, NOW + timedelta(minutes=15), grace=timedelta(hours=24))
    # NEW had no expiry and becomes the previous one; SECRET had already expired.
    assert later.signing_secrets(NOW + timedelta(minutes=15)) == (NEWER, NEW)


def test_rotation_with_zero_grace_drops_the_old_secret() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"})).rotate_secret(NEW, NOW, timedelta(0))
    assert sub.signing_secrets(NOW) == (NEW,)


def test_rotation_refuses_reuse_and_short_secrets() -> None:
    sub = subscription(complaint_ids=frozenset({"C-1"}))
    with pytest.raises(SubscriptionError):
        sub.rotate_secret(SECRET, NOW)
    with pytest.raises(SubscriptionError):
        sub.rotate_secret("short", NOW)


def test_secret_values_stay_out_of_reprs() -> None:
    secret = SigningSecret(value=SECRET, created_at=NOW)
    assert SECRET not in repr(secret)
    assert SECRET not in repr(subscription(complaint_ids=frozenset({"C-1"})))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "https:///nohost",
        "https://user:pw@example.com/x",
        "https://example.com/x#frag",
        "http://example.com/x",
    ],
)
def test_bad_endpoints(url: str) -> None:
    with pytest.raises(SubscriptionError):
        check_endpoint(url)


def test_plain_http_only_when_allowed() -> None:
    check_endpoint("https://12345.zhangzhou.example/hooks")
    check_endpoint("http://127.0.0.1:8080/hooks", allow_http=True)


@pytest.mark.parametrize("url", ["https://[::1", "https://a]b/", "https://exa\uff03mple.com/",
                                 "https://h:99999/"])
def test_an_endpoint_the_url_parser_refuses_is_a_subscription_error_not_a_crash(url: str) -> None:
    with pytest.raises(SubscriptionError):
        check_endpoint(url)
