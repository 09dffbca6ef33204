"""Status webhooks (状态回调) for calling systems, through the running notify service.

Events go in through Kafka; webhooks come out at a real local receiver that verifies every
signature (HMAC-SHA256 over timestamp and body) and keeps a replay cache, as a calling system
should.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from services.notify.domain.signing import InMemoryReplayCache, verify
from shared.events.catalog import ComplaintReceived, ProblemStatusChanged
from tests.integration.notify.helpers import (
    DEFAULT_SECRET,
    SHITOU,
    ZHENGDA,
    Notify,
    Subscriber,
    complaint_received,
    status_changed,
    uid,
)

pytestmark = pytest.mark.infra


@pytest.fixture
async def subscriber(notify: Notify) -> AsyncIterator[Subscriber]:
    calling_system = Subscriber(notify)
    yield calling_system
    await calling_system.delete_all()


def webhooks(items: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {n["recipient_ref"]: n for n in items if n["channel"] == "webhook"}


async def test_status_change_reaches_the_default_webhook_signed_and_whitelisted(notify: Notify) -> None:
    complaint_id = uid()
    member = {"officer_id": "T350623101-1", "role": "lead", "town_code": "350623101", "county_code": "350623",
              "unit": "旧镇镇纪委", "phone": "13800000000"}
    payload = status_changed([complaint_id], details={"members": [member], "note": "上游截水"},
                             reason="某村干部拖延整改")
    env = await notify.publish(payload)

    (n,) = await notify.settled(env, 1)
    assert (n["status"], n["channel"], n["recipient_ref"], n["attempts"]) == (
        "delivered", "webhook", "default", 1)
    received = notify.far.receiver.for_hook("default")
    (request,) = [r for r in received if r.headers["idempotency-key"] == n["key"]]
    body = json.loads(request.body)
    assert {k: body[k] for k in ("specversion", "id", "source", "type", "subject", "notificationid")} == {
        "specversion": "1.0", "id": env.id, "source": "/supervision/ledger",
        "type": ProblemStatusChanged.TYPE, "subject": payload.problem_id, "notificationid": n["key"],
    }
    data = body["data"]
    assert (data["from_status"], data["to_status"], data["action"]) == ("registered", "assigned", "assign")
    assert data["complaint_ids"] == [complaint_id] and data["problem_id"] == payload.problem_id
    assert data["details"] == {"members": [{k: v for k, v in member.items() if k != "phone"}]}
    for private in ("13800000000", "上游截水", "某村干部拖延整改", "officer:o-actor-7"):
        assert private not in request.body.decode()
    # Signed with the default webhook's secret, over this timestamp and these bytes.
    verify(request.headers, request.body, [DEFAULT_SECRET], datetime.now(UTC),
           replay_cache=InMemoryReplayCache())

    (event,) = await notify.outcome_events({n["key"]})
    assert event["type"].endswith("notify.notification.delivered.v1")
    assert (event["cause_event_id"], event["channel"], event["recipient_kind"]) == (env.id, "webhook",
                                                                                   "calling_system")


async def test_filters_choose_the_endpoints(notify: Notify, subscriber: Subscriber) -> None:
    mine = uid()
    await subscriber.register("by-complaint", complaint_ids=[mine])
    await subscriber.register("sanzi-in-zhangpu", categories=["sanzi"], area_prefixes=["350623"])
    await subscriber.register("closures-in-jiuzhen", area_prefixes=["350623101"], statuses=["closed"])
    await subscriber.register("changtai", area_prefixes=["350605"])
    await subscriber.register("registered-only", complaint_ids=[mine], event_types=[ComplaintReceived.TYPE])

    received = await notify.publish(complaint_received(mine, place=SHITOU, category="sanzi"),
                                    "/supervision/intake")
    closed = await notify.publish(status_changed([mine], to_status="closed", from_status="reviewed",
                                                 action="close", place=SHITOU, category="sanzi"))

    # Besides the webhooks: the anonymous reporter's acceptance and result notices (query code).
    on_receipt = webhooks(await notify.settled(received, 5))
    on_closure = webhooks(await notify.settled(closed, 5))
    ids = {s: i for i, s in enumerate(subscriber.ids)}
    names = ["by-complaint", "sanzi-in-zhangpu", "closures-in-jiuzhen", "changtai", "registered-only"]

    def hooks(found: dict[object, dict[str, object]]) -> set[str]:
        return {names[ids[ref]] for ref in found if ref in ids}

    assert hooks(on_receipt) == {"by-complaint", "sanzi-in-zhangpu", "registered-only"}
    assert hooks(on_closure) == {"by-complaint", "sanzi-in-zhangpu", "closures-in-jiuzhen"}
    assert all(n["status"] == "delivered" for n in [*on_receipt.values(), *on_closure.values()])
    counts = {name: len(notify.far.receiver.for_hook(name)) for name in names}
    assert counts == {"by-complaint": 2, "sanzi-in-zhangpu": 2, "closures-in-jiuzhen": 1, "changtai": 0,
                      "registered-only": 1}


async def test_paused_subscriptions_get_nothing_until_resumed(notify: Notify, subscriber: Subscriber) -> None:
    mine = uid()
    sub = await subscriber.register("pausable", complaint_ids=[mine])
    paused = await notify.http.post(f"/subscriptions/{sub['id']}/pause", headers=subscriber.headers)
    assert paused.status_code == 200 and paused.json()["paused"] is True
    again = await notify.http.post(f"/subscriptions/{sub['id']}/pause", headers=subscriber.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "subscription_paused"

    while_paused = await notify.publish(status_changed([mine]))
    assert set(webhooks(await notify.settled(while_paused, 1))) == {"default"}

    resumed = await notify.http.post(f"/subscriptions/{sub['id']}/resume", headers=subscriber.headers)
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    after = await notify.publish(status_changed([mine], to_status="rectifying", from_status="assigned",
                                                action="start"))
    assert set(webhooks(await notify.settled(after, 2))) == {"default", sub["id"]}
    (request,) = notify.far.receiver.for_hook("pausable")
    assert json.loads(request.body)["id"] == after.id


async def test_rotation_signs_with_both_secrets_during_the_grace_period(
    notify: Notify, subscriber: Subscriber
) -> None:
    mine = uid()
    sub = await subscriber.register("rotating", complaint_ids=[mine])
    old = sub["secret"]
    rotated = await notify.http.post(f"/subscriptions/{sub['id']}/rotate-secret", headers=subscriber.headers,
                                     json={"grace_seconds": 3600})
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and [s["expires_at"] is None for s in rotated.json()["secrets"]] == [True, False]

    # The receiver has not switched yet: it still holds only the old secret, and verifies.
    notify.far.receiver.secrets["rotating"] = [old]
    first = await notify.publish(status_changed([mine]))
    assert webhooks(await notify.settled(first, 2))[sub["id"]]["status"] == "delivered"
    (request,) = notify.far.receiver.for_hook("rotating")
    assert request.headers["x-signature"].count("v1=") == 2
    verify(request.headers, request.body, [new], datetime.now(UTC), replay_cache=InMemoryReplayCache())

    # Rotating again with no grace retires the old secret at once: a receiver holding only the
    # old one now refuses, which is final (401), and the notification lands in the dead letters.
    await notify.http.post(f"/subscriptions/{sub['id']}/rotate-secret", headers=subscriber.headers,
                           json={"grace_seconds": 0})
    second = await notify.publish(status_changed([mine], to_status="rectifying", from_status="assigned",
                                                 action="start"))
    failed = webhooks(await notify.settled(second, 2))[sub["id"]]
    assert (failed["status"], failed["last_reason"]) == ("failed", "HTTP 401")
    assert notify.far.receiver.rejections[-1] == "bad_signature"
    r = await notify.http.get("/dead-letters", params={"channel": "webhook"}, headers={
        "Authorization": "Bearer demo-admin-token"})
    assert [d["reason"] for d in r.json()["items"] if d["notification_key"] == failed["key"]] == ["HTTP 401"]


async def test_the_receiver_rejects_a_replayed_or_tampered_webhook(
    notify: Notify, subscriber: Subscriber
) -> None:
    mine = uid()
    await subscriber.register("guarded", complaint_ids=[mine])
    env = await notify.publish(status_changed([mine], place=ZHENGDA))
    await notify.settled(env, 2)
    (original,) = notify.far.receiver.for_hook("guarded")
    url = notify.far.hook_url("guarded")
    # An attacker on the path resends what it captured: the same signature header and key.
    captured = {k: v for k, v in original.headers.items()
                if k in ("content-type", "x-signature", "idempotency-key", "x-webhook-id")}
    async with httpx.AsyncClient() as attacker:
        replay = await attacker.post(url, content=original.body, headers=captured)
        tampered = await attacker.post(url, content=original.body.replace(b'"assigned"', b'"closed"'),
                                       headers=captured)
    assert (replay.status_code, replay.json()) == (401, {"error": "replayed"})
    assert (tampered.status_code, tampered.json()) == (401, {"error": "bad_signature"})
    assert notify.far.receiver.effects[original.headers["idempotency-key"]] == 1
