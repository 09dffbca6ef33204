"""The subscriptions API (订阅接口): validation, ownership, the secret shown once and sealed at rest."""

from __future__ import annotations

import json

import pytest

from tests.integration.notify.helpers import ADMIN, HOTLINE, Notify, status_changed, uid

pytestmark = pytest.mark.infra
OFFICER = {"Authorization": "Bearer demo-officer-token"}


def body(notify: Notify, hook: str = "api", **filter_fields: object) -> dict[str, object]:
    return {"endpoint": notify.far.hook_url(hook), "filter": filter_fields or {"complaint_ids": [uid()]}}


async def test_callers_need_the_scope(notify: Notify) -> None:
    anonymous = await notify.http.post("/subscriptions", json=body(notify))
    officer = await notify.http.post("/subscriptions", json=body(notify), headers=OFFICER)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthenticated")
    assert (officer.status_code, officer.json()["error"]["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"filter": {}}, "invalid_subscription", "filter"),  # would be the whole province
        ({"filter": {"area_prefixes": ["3506x"]}}, "validation_failed", "filter.area_prefixes.0"),
        ({"filter": {"area_prefixes": ["35062"]}}, "validation_failed", "filter.area_prefixes.0"),
        ({"filter": {"categories": ["sanzi"], "event_types": ["x.y.v1"]}}, "validation_failed",
         "filter.event_types"),
        ({"endpoint": "ftp://hooks.example.invalid/x"}, "invalid_subscription", None),
        ({"endpoint": "https://user:pw@hooks.example.invalid/x"}, "invalid_subscription", None),
        ({"secret": "too-short"}, "validation_failed", "secret"),
        ({"colour": "blue"}, "validation_failed", "colour"),
    ],
)
async def test_invalid_registrations_are_refused_with_a_reason(
    notify: Notify, change: dict[str, object], code: str, field: str | None
) -> None:
    r = await notify.http.post("/subscriptions", json={**body(notify), **change}, headers=HOTLINE)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    if field is not None:
        assert field in [d["field"] for d in error["details"]]


async def test_the_secret_is_shown_once_and_sealed_at_rest(notify: Notify) -> None:
    created = (await notify.http.post("/subscriptions", json=body(notify), headers=HOTLINE)).json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["owner"] == "hotline-12345"
    shown = (await notify.http.get(f"/subscriptions/{created['id']}", headers=HOTLINE)).json()
    assert "secret" not in shown and secret not in json.dumps(shown)
    ((stored,),) = notify.query("SELECT secrets::text FROM subscriptions WHERE id = %s", created["id"])
    assert secret not in stored and json.loads(stored)[0]["token"].startswith("gAAAA")  # a Fernet token
    await notify.http.delete(f"/subscriptions/{created['id']}", headers=HOTLINE)


async def test_a_caller_sees_and_changes_only_its_own(notify: Notify) -> None:
    created = (await notify.http.post("/subscriptions", json=body(notify), headers=HOTLINE)).json()
    path = f"/subscriptions/{created['id']}"
    # The county commission's token may do anything, but this subscription is not its own.
    for method in ("GET", "DELETE"):
        r = await notify.http.request(method, path, headers=ADMIN)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "subscription_not_found")
    assert created["id"] not in [s["id"] for s in (await notify.http.get("/subscriptions", headers=ADMIN))
                                 .json()["items"]]
    assert created["id"] in [s["id"] for s in (await notify.http.get("/subscriptions", headers=HOTLINE))
                             .json()["items"]]
    assert (await notify.http.delete(path, headers=HOTLINE)).status_code == 204
    assert (await notify.http.get(path, headers=HOTLINE)).status_code == 404
    assert (await notify.http.delete(path, headers=HOTLINE)).status_code == 404


async def test_changing_the_filter_changes_what_is_sent(notify: Notify) -> None:
    before, after = uid(), uid()
    r = await notify.http.post("/subscriptions", json=body(notify, "refiltered", complaint_ids=[before]),
                               headers=HOTLINE)
    created = r.json()
    notify.far.receiver.secrets["refiltered"] = [created["secret"]]
    path = f"/subscriptions/{created['id']}"
    assert (await notify.http.patch(path, json={}, headers=HOTLINE)).status_code == 422
    r = await notify.http.patch(path, json={"filter": {"complaint_ids": [after]}}, headers=HOTLINE)
    assert r.status_code == 200 and r.json()["filter"]["complaint_ids"] == [after]

    old = await notify.publish(status_changed([before]))
    new = await notify.publish(status_changed([after]))
    assert [n["recipient_ref"] for n in await notify.settled(old, 1)] == ["default"]
    refs = sorted(n["recipient_ref"] for n in await notify.settled(new, 2))
    assert refs == sorted([created["id"], "default"])
    await notify.http.delete(path, headers=HOTLINE)


async def test_path_ids_are_validated(notify: Notify) -> None:
    r = await notify.http.post("/subscriptions/not-a-uuid/pause", headers=HOTLINE)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_failed")


async def test_a_secret_no_key_opens_fails_its_own_deliveries_only(notify: Notify) -> None:
    from cryptography.fernet import Fernet

    from services.notify.adapters.secret_box import SecretBox

    mine = uid()
    created = (await notify.http.post("/subscriptions", json=body(notify, "lost-key", complaint_ids=[mine]),
                                      headers=HOTLINE)).json()
    notify.far.receiver.secrets["lost-key"] = [created["secret"]]
    # As if the key that sealed it had been removed from SECRET_KEYS.
    foreign = SecretBox([Fernet.generate_key().decode()]).seal(created["secret"])
    notify.query("UPDATE subscriptions SET secrets = jsonb_set(secrets, '{0,token}', to_jsonb(%s::text)), "
                 "updated_at = now() WHERE id = %s", foreign, created["id"])

    env = await notify.publish(status_changed([mine]))
    by_ref = {n["recipient_ref"]: n for n in await notify.settled(env, 2)}
    assert by_ref["default"]["status"] == "delivered"  # everyone else's webhooks still go out
    failed = by_ref[created["id"]]
    assert (failed["status"], failed["last_reason"]) == (
        "failed", "no configured key decrypts the subscription's signing secret")
    assert notify.far.receiver.for_hook("lost-key") == []
    await notify.http.delete(f"/subscriptions/{created['id']}", headers=HOTLINE)
