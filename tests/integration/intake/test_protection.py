"""Reporter protection 举报人保护: sealed at rest, opaque on events, read only through the scoped
and audited endpoint, re-sealed on key rotation; query codes stored only as digests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from services.intake.domain.protection.query_code import normalise_query_code
from services.intake.domain.protection.reporter import ProtectedReporter, open_contact
from services.intake.domain.protection.sealing import KeyRing, SealError, new_key_setting
from services.intake.domain.vocabulary import ReporterMode
from services.intake.service_layer.rotate import reseal_all
from tests.integration.intake import samples
from tests.integration.intake.conftest import Intake

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[3]
NAME, PHONE, EMAIL, ID_NUMBER = "陈秀琴", "13859011223", "chen.xq@example.com", "35062319900315002X"


async def submit_named(intake: Intake, ref: str) -> dict[str, str]:
    body = samples.canonical(
        ref,
        reporter=samples.named_reporter(NAME, PHONE, EMAIL, ID_NUMBER, mode="named"),
        description=f"我是{NAME},电话{PHONE},邮箱{EMAIL}。林前村鱼塘承包款去向不明。",
    )
    async with intake.client() as http:
        r = await http.post("/complaints", json=body)
    assert r.status_code == 201, r.text
    accepted: dict[str, str] = r.json()
    return accepted


async def test_contact_is_sealed_at_rest_and_absent_from_events(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    accepted = await submit_named(intake, unique("sealed"))
    (reporter,) = await intake.rows(
        "SELECT r.* FROM reporters r JOIN complaints c USING (reporter_ref) WHERE c.id = :c",
        c=accepted["complaint_id"],
    )
    blob = bytes(reporter.sealed_contact)
    for value in (NAME, PHONE, EMAIL, ID_NUMBER):
        assert value.encode() not in blob
    assert reporter.contact_key_id == "dev1" and reporter.query_code_digest is None
    (event,) = await intake.rows(
        "SELECT value FROM outbox WHERE aggregate_id = :c", c=accepted["complaint_id"]
    )
    text = bytes(event.value).decode()
    for value in (NAME, PHONE, EMAIL, ID_NUMBER):
        assert value not in text  # typed into the description too, and masked there
    data = json.loads(text)
    assert data["reporter_ref"] == reporter.reporter_ref and data["reporter_mode"] == "named"
    assert "[PHONE]" in data["description"] and "[EMAIL]" in data["description"]
    stored = await intake.scalar(
        "SELECT description FROM complaints WHERE id = :c", c=accepted["complaint_id"]
    )
    assert NAME not in stored and PHONE not in stored


async def test_notify_reads_contact_through_the_audited_endpoint(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    accepted = await submit_named(intake, unique("notice"))
    ref = await intake.scalar("SELECT reporter_ref FROM complaints WHERE id = :c", c=accepted["complaint_id"])
    url = f"/internal/reporters/{ref}/contact"
    async with intake.client("demo-notify-token") as notify:
        r = await notify.get(url, params={"purpose": "result_notice"})
        no_purpose = await notify.get(url)
        bad_purpose = await notify.get(url, params={"purpose": "curiosity"})
        unknown = await notify.get(
            "/internal/reporters/rp_nosuchreporter/contact", params={"purpose": "result_notice"}
        )
    assert r.status_code == 200 and r.json() == {"name": NAME, "phone": PHONE, "email": EMAIL}
    assert no_purpose.status_code == bad_purpose.status_code == 422
    assert unknown.status_code == 404
    async with intake.client() as hotline:
        denied = await hotline.get(url, params={"purpose": "result_notice"})
    assert denied.status_code == 403
    audit = await intake.rows(
        "SELECT reader, purpose, fields, found FROM personal_data_reads WHERE reporter_ref = :r", r=ref
    )
    assert [(a.reader, a.purpose, a.fields, a.found) for a in audit] == [
        ("notify-service", "result_notice", ["name", "phone", "email"], True)
    ]
    (miss,) = await intake.rows(
        "SELECT reader, found FROM personal_data_reads WHERE reporter_ref = 'rp_nosuchreporter'"
    )
    assert (miss.reader, miss.found) == ("notify-service", False)


async def test_an_anonymous_reporter_has_no_contact_and_a_hashed_code(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    async with intake.client() as http:
        r = await http.post("/complaints", json=samples.canonical(unique("anon")))
    code = r.json()["query_code"]
    canonical = normalise_query_code(code)
    assert canonical is not None and len(canonical) * 5 >= 80  # ≥ 80 bits
    (row,) = await intake.rows(
        "SELECT r.* FROM reporters r JOIN complaints c USING (reporter_ref) WHERE c.id = :c",
        c=r.json()["complaint_id"],
    )
    assert row.mode == "anonymous" and row.sealed_contact is None
    assert row.query_code_digest.startswith("dev1$") and canonical not in row.query_code_digest
    dump = await intake.scalar("SELECT string_agg(r::text, '') FROM reporters r")
    assert canonical not in dump and code not in dump
    async with intake.client("demo-notify-token") as notify:
        contact = await notify.get(
            f"/internal/reporters/{row.reporter_ref}/contact", params={"purpose": "acceptance_notice"}
        )
    assert contact.json() == {"name": None, "phone": None, "email": None}


async def test_rotate_keys_command_reseals_every_contact(
    intake: Intake, unique: Callable[[str], str]
) -> None:
    accepted = await submit_named(intake, unique("rotate"))
    ring = f"{new_key_setting('k2')},{intake.settings.reporter_keys}"
    env = {**os.environ, "DATABASE_URL": intake.database_url, "REPORTER_KEYS": ring, "PYTHONPATH": str(ROOT)}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.intake", "rotate-keys"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["current_key"] == "k2" and report["resealed"] >= 1
    assert (
        await intake.scalar(
            "SELECT count(*) FROM reporters WHERE sealed_contact IS NOT NULL AND contact_key_id <> 'k2'"
        )
        == 0
    )
    # The new ring opens what was re-sealed; the old key alone no longer does.
    rotated = KeyRing.from_setting(ring)
    (row,) = await intake.rows(
        "SELECT r.* FROM reporters r JOIN complaints c USING (reporter_ref) WHERE c.id = :c",
        c=accepted["complaint_id"],
    )
    stored = ProtectedReporter(row.reporter_ref, ReporterMode(row.mode), bytes(row.sealed_contact))
    contact = open_contact(stored, rotated)
    assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)
    with pytest.raises(SealError):
        open_contact(stored, KeyRing.from_setting(intake.settings.reporter_keys))
    # Resumable and idempotent: a second run has nothing left to do.
    assert await reseal_all(intake.engine, rotated) == 0
    # Back to the service's own ring, so the running service (dev1 only) can open them again.
    await reseal_all(intake.engine, KeyRing(rotated.keys, "dev1"))
    async with intake.client("demo-notify-token") as notify:
        r = await notify.get(
            f"/internal/reporters/{row.reporter_ref}/contact", params={"purpose": "result_notice"}
        )
    assert r.status_code == 200 and r.json()["phone"] == PHONE
