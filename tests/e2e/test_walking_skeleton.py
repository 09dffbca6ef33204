"""End to end, four processes: complaint → ledger → pairing → ledger → notify → webhook."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from deploy.local.stack import Stack
from tests.support.stacks import ADMIN, HOTLINE, WebhookSink, complaint, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.infra]


def test_complaint_reaches_the_webhook_with_a_cross_town_team(system: tuple[Stack, WebhookSink]) -> None:
    stack, sink = system
    intake = stack.services["intake"].url
    r = httpx.post(f"{intake}/complaints", json=complaint(1), headers=HOTLINE, timeout=10)
    assert r.status_code == 201, r.text
    complaint_id = r.json()["complaint_id"]

    def assigned_webhook() -> dict[str, Any] | None:
        for d in sink.deliveries():
            body = json.loads(d["body"])
            if body["type"].endswith("status_changed.v1") and complaint_id in body["data"]["complaint_ids"]:
                return body
        return None

    event = wait_until(assigned_webhook, 60, what="the assignment's status webhook")
    assert event["specversion"] == "1.0"
    assert event["data"]["to_status"] == "assigned"
    member = event["data"]["details"]["members"][0]
    # The problem is in 杜浔镇 (350623104): the officer must come from elsewhere.
    assert member["town_code"] != "350623104"

    problem_id = event["data"]["problem_id"]
    ledger = stack.services["ledger"].url
    problem = httpx.get(f"{ledger}/problems/{problem_id}", headers=ADMIN, timeout=5).json()
    assert problem["status"] == "assigned"
    assert problem["team"][0]["officer_id"] == member["officer_id"]
    assert [e["action"] for e in problem["timeline"]] == ["register", "assign"]
    assert problem["timeline"][0]["details"]["complaint_id"] == complaint_id
    # Every delivery carries a signature over timestamp and body.
    assert all(d["signature"].startswith("t=") for d in sink.deliveries())
