import uuid

import pytest

from services.notify.domain.notification import (
    Channel,
    EventRef,
    Recipient,
    RecipientKind,
    notification_key,
)

EVENT = EventRef(source="/supervision/ledger", id="e-1", type="x.v1")
OFFICER = Recipient(RecipientKind.OFFICER, "o-1")


def test_key_is_stable_and_a_uuid() -> None:
    first = notification_key(EVENT, OFFICER, Channel.SMS)
    again = notification_key(
        EventRef("/supervision/ledger", "e-1", "x.v1"),
        Recipient(RecipientKind.OFFICER, "o-1"),
        Channel.SMS,
    )
    assert first == again
    assert str(uuid.UUID(first)) == first


def test_key_pinned_so_a_namespace_change_cannot_slip_through() -> None:
    # Providers deduplicate on keys already handed out; changing how keys are made would
    # silently resend everything still in flight.
    assert notification_key(EVENT, OFFICER, Channel.SMS) == str(
        uuid.uuid5(
            uuid.uuid5(uuid.NAMESPACE_URL, "urn:zhangzhou-supervision:notify:notification"),
            '["/supervision/ledger","e-1","officer","o-1","sms"]',
        )
    )


def test_each_part_of_the_triple_changes_the_key() -> None:
    base = notification_key(EVENT, OFFICER, Channel.SMS)
    assert (
        notification_key(EventRef("/supervision/intake", "e-1", "x.v1"), OFFICER, Channel.SMS)
        != base
    )
    assert (
        notification_key(EventRef("/supervision/ledger", "e-2", "x.v1"), OFFICER, Channel.SMS)
        != base
    )
    assert notification_key(EVENT, Recipient(RecipientKind.OFFICER, "o-2"), Channel.SMS) != base
    assert notification_key(EVENT, Recipient(RecipientKind.REPORTER, "o-1"), Channel.SMS) != base
    assert notification_key(EVENT, OFFICER, Channel.EMAIL) != base


def test_the_event_type_is_not_part_of_the_identity() -> None:
    # source + id identify an event (CloudEvents); the type is descriptive.
    assert notification_key(
        EventRef("/supervision/ledger", "e-1", "y.v1"), OFFICER, Channel.SMS
    ) == notification_key(EVENT, OFFICER, Channel.SMS)


def test_separators_inside_fields_cannot_collide() -> None:
    a = notification_key(EventRef("s|x", "1", "t"), OFFICER, Channel.SMS)
    b = notification_key(EventRef("s", "x|1", "t"), OFFICER, Channel.SMS)
    assert a != b


@pytest.mark.parametrize("ref", ["", " o-1", "o-1 "])
def test_recipient_refs_must_be_clean(ref: str) -> None:
    with pytest.raises(ValueError):
        Recipient(RecipientKind.OFFICER, ref)
