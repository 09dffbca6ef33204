"""No reporter identity leaves intake: after named and confidential complaints (name, phone, ID
number, email, also typed into the description) have flowed through all four services, every
message of every topic of the namespace and every service log line is scanned with the domain's
own detector, and nothing is found."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from deploy.local.stack import Infra, Stack
from services.intake.domain.protection.redaction import find_pii
from shared.events.catalog import ComplaintReceived
from tests.support.stacks import HOTLINE, WebhookSink, running_stack, wait_until
from tests.support.topics import read_all

pytestmark = [pytest.mark.e2e, pytest.mark.infra]

# Fictional people; the ID numbers carry valid check digits, so they pass intake's validation.
REPORTERS: list[dict[str, Any]] = [
    {
        "name": "陈秀琴",
        "phone": "13859011223",
        "id_number": "35062319900315002X",
        "email": "chen.xq@example.com",
    },
    {
        "name": "郑国栋",
        "phone": "15905961234",
        "id_number": "350628198512300046",
        "email": "zgd1985@example.cn",
    },
    {"name": "黄丽华", "phone": "18750612345", "id_number": None, "email": "lihua.huang@example.org"},
]


def submissions(run: str) -> list[tuple[str, dict[str, Any]]]:
    """Different villages and categories, so that each complaint opens its own problem."""
    chen, zheng, huang = REPORTERS
    return [
        (
            "/complaints",
            {
                "channel": "online",
                "external_ref": f"{run}-1",
                "place_code": "350623104210",
                "category": "sanzi",
                "description": f"我叫{chen['name']},手机{chen['phone']},"
                f"身份证{chen['id_number']},邮箱{chen['email']}。"
                "林前村鱼塘承包合同到期后仍被占用,租金未收回。",
                "reporter": {"mode": "named", "contact": {k: v for k, v in chen.items() if v}},
            },
        ),
        (
            "/channels/petition",
            {
                "petition_no": f"{run}-2",
                "matter": f"信访人{zheng['name']}(电话 {zheng['phone']})反映:狮头村山林"
                "承包费去向不明,要求清查。",
                "category": "三资",
                "petitioner_name": zheng["name"],
                "petitioner_phone": zheng["phone"],
                "petitioner_id_number": zheng["id_number"],
                "place_code": "350623101226",
                "registered_at": "2024-05-28T10:00:00+08:00",
            },
        ),
        (
            "/channels/hotline_12345",
            {
                "work_order_no": f"{run}-3",
                "content": f"来电人{huang['name']}反映田厝村海域违规养殖浮球回潮,"
                f"回复请发邮件至{huang['email']}。",
                "category": "ecology",
                "caller_name": huang["name"],
                "caller_phone": huang["phone"],
                "confidential": True,
                "place_code": "350624102209",
                "accepted_at": "2024-06-03T08:15:00+08:00",
            },
        ),
    ]


def known_values() -> list[str]:
    return [v for r in REPORTERS for v in r.values() if v]


async def every_record(bootstrap: str, namespace: str) -> list[Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pii-scan")
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith(namespace))
    finally:
        await admin.close()
    records = []
    for topic in topics:
        records += await read_all(bootstrap, topic)
    return records


def record_text(record: Any) -> str:
    headers = " ".join(f"{k}={bytes(v).decode('utf-8', 'replace')}" for k, v in record.headers or ())
    key = bytes(record.key or b"").decode("utf-8", "replace")
    return f"{key} {headers} {bytes(record.value or b'').decode('utf-8', 'replace')}"


def test_no_personal_data_on_kafka_or_in_logs(infra: Infra, tmp_path: Path) -> None:
    run = f"pii-{uuid.uuid4().hex[:6]}"
    namespace = f"p{uuid.uuid4().hex[:8]}."
    with running_stack(infra, tmp_path, namespace) as (stack, sink):
        run_flow(stack, sink, run)
        records = asyncio.run(every_record(infra.kafka_bootstrap, namespace))
        read_contact_as_notify(stack, records, run)
        stack.stop()  # flush and close every log before reading it
        logs = sorted((tmp_path / "logs").glob("*.log"))
        lines = [(p.name, line) for p in logs for line in p.read_text("utf-8", "replace").splitlines()]

    # The scan is only worth something if the messages and logs it reads are the real ones.
    received = [
        json.loads(r.value)
        for r in records
        if dict(r.headers).get("ce_type", b"").decode() == ComplaintReceived.TYPE
    ]
    ours = [c for c in received if (c["external_ref"] or "").startswith(run)]
    assert len(ours) == 3 and all(
        "[PHONE]" in c["description"] or "[EMAIL]" in c["description"] for c in ours
    )
    assert {p.name for p in logs} == {"intake.log", "intake-relay.log", "ledger.log", "pairing.log",
                                      "notify.log"}
    assert len(lines) > 20 and len(records) > 10
    # The detector does see these values where they are (a control on the scan itself).
    assert {
        f.kind.value
        for s in submissions(run)
        for f in find_pii(json.dumps(s[1], ensure_ascii=False), known_values())
    } >= {"mobile", "id_number", "email", "known"}

    leaks = [
        (r.topic, r.offset, f.kind.value, f.value)
        for r in records
        for f in find_pii(record_text(r), known_values())
    ]
    leaks += [
        (name, 0, f.kind.value, f.value) for name, line in lines for f in find_pii(line, known_values())
    ]
    assert leaks == []


def run_flow(stack: Stack, sink: WebhookSink, run: str) -> None:
    intake = stack.services["intake"].url
    ids: list[str] = []
    for path, body in submissions(run):
        r = httpx.post(f"{intake}{path}", json=body, headers=HOTLINE, timeout=30)
        assert r.status_code == 201, r.text
        ids.append(r.json()["complaint_id"])

    def assigned() -> bool:
        seen: set[str] = set()
        for d in sink.deliveries():
            body = json.loads(d["body"])
            if body["type"].endswith("status_changed.v1"):
                seen.update(body["data"].get("complaint_ids", []))
        return set(ids) <= seen

    # Through intake, ledger, pairing, ledger again and notify: every service has handled them.
    wait_until(assigned, 90, what="the status webhooks naming every complaint")


def read_contact_as_notify(stack: Stack, records: list[Any], run: str) -> None:
    """A real read of personal data through the scoped endpoint, so the log scan covers it too."""
    refs = [
        json.loads(r.value)["reporter_ref"]
        for r in records
        if dict(r.headers).get("ce_type", b"").decode() == ComplaintReceived.TYPE
        and json.loads(r.value)["external_ref"].startswith(run)
    ]
    r = httpx.get(
        f"{stack.services['intake'].url}/internal/reporters/{refs[0]}/contact",
        params={"purpose": "result_notice"},
        headers={"Authorization": "Bearer demo-notify-token"},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["phone"] in known_values()
