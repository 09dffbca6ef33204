import json
from datetime import date

import pytest

from services.notify.adapters.providers.compose import compose
from services.notify.domain.notification import Channel, Recipient, RecipientKind
from services.notify.domain.preferences import Preferences
from services.notify.domain.routing import route
from services.notify.domain.templates import SmsTooLong
from tests.unit.notify.factories import SECRET, complaint, deadline, ref, subscription


def test_sms_message_is_the_rendered_template_under_the_key() -> None:
    payload = deadline(overdue=True, due_on=date(2025, 9, 29))
    (n,) = route(ref(payload), payload)
    out = compose(n, 3, to="13800000000")
    assert (out.key, out.channel, out.attempt, out.subject) == (n.key, Channel.SMS, 3, None)
    assert "已超过整改时限" in out.body


def test_email_message_has_a_subject() -> None:
    payload = complaint()
    prefs = {Recipient(RecipientKind.REPORTER, "rep-7f3a"): Preferences((Channel.EMAIL,))}
    (n,) = route(ref(payload), payload, preferences=prefs)
    assert compose(n, 1, to="a@example.com").subject == "受理告知（编号C-2025-0001）"


def test_webhook_message_is_the_json_body_with_secrets() -> None:
    payload = complaint()
    sub = subscription(complaint_ids=frozenset({"C-2025-0001"}))
    hook = next(
        n for n in route(ref(payload), payload, subscriptions=[sub]) if n.channel is Channel.WEBHOOK
    )
    out = compose(hook, 2, to="https://hooks.example.invalid/zz", signing_secrets=[SECRET])
    assert json.loads(out.body)["deliveryattempt"] == 2
    assert out.signing_secrets == (SECRET,)
    assert SECRET not in repr(out)


def test_segment_limit_is_passed_through() -> None:
    payload = deadline(overdue=True, due_on=date(2025, 9, 29))
    (n,) = route(ref(payload), payload)
    with pytest.raises(SmsTooLong):
        compose(n, 1, to="13800000000", sms_max_segments=0)
