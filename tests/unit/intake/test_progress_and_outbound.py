from __future__ import annotations

from datetime import timedelta

from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.outbound import outbound_description, outbound_meta
from services.intake.domain.progress import Stage, TimelineEntry, progress_view
from services.intake.domain.protection.redaction import find_pii
from services.intake.domain.validation import validate_complaint

from .conftest import NOW, ZHENGDA


def test_progress_shows_stages_and_only_public_redacted_notes() -> None:
    entries = [
        TimelineEntry(NOW + timedelta(days=9), Stage.CLOSED,
                      "经林某某、王某核查属实,鱼塘已收回重新发包。联系人电话13959612345"),
        TimelineEntry(NOW, Stage.RECEIVED, "来电人郑某某"),
        TimelineEntry(NOW + timedelta(days=1), Stage.ASSIGNED, "交办林某某、王某"),
    ]
    view = progress_view(entries, reference="c-1", personal_names=["林某某", "王某"])
    assert [e.stage for e in view.timeline] == [Stage.RECEIVED, Stage.ASSIGNED, Stage.CLOSED]
    assert view.timeline[0].note is None and view.timeline[1].note is None
    note = view.timeline[2].note or ""
    assert "林某某" not in note and "王某" not in note and "13959612345" not in note
    assert "鱼塘已收回重新发包" in note
    assert (view.status, view.stage, view.can_rate) == ("closed", Stage.CLOSED, True)
    body = view.as_dict()
    assert body["reference"] == "c-1" and body["status"] == "closed"


def test_reopened_is_open_again_and_rating_is_once_per_closure() -> None:
    base = NOW
    entries = [
        TimelineEntry(base, Stage.RECEIVED),
        TimelineEntry(base + timedelta(days=5), Stage.CLOSED, "已整改"),
        TimelineEntry(base + timedelta(days=6), Stage.RATED),
    ]
    rated = progress_view(entries)
    assert rated.status == "closed" and not rated.can_rate
    reopened = progress_view([*entries, TimelineEntry(base + timedelta(days=7), Stage.REOPENED,
                                                      "群众反映整改不到位")])
    assert reopened.status == "open" and not reopened.can_rate
    closed_again = progress_view([*reopened.timeline,
                                  TimelineEntry(base + timedelta(days=20), Stage.CLOSED, "已复查")])
    assert closed_again.status == "closed" and closed_again.can_rate
    assert progress_view([]).as_dict()["reference"] is None


def test_outbound_text_carries_no_reporter_identity(registry: DivisionRegistry) -> None:
    body = {
        "channel": "online", "place_code": ZHENGDA, "category": "sanzi",
        "description": "我是郑某某,电话13959612345,身份证350605199001011234,鱼塘被低价发包。",
        "reporter": {"mode": "confidential",
                     "contact": {"name": "郑某某", "phone": "13959612345"}},
        "channel_meta": {"incident_address": "郑某某家门口"},
    }
    complaint = validate_complaint(body, registry, now=NOW)
    text = outbound_description(complaint)
    assert find_pii(text, ["郑某某"]) == []
    assert "鱼塘被低价发包" in text
    assert outbound_meta(complaint) == {"incident_address": "[REDACTED]家门口"}
