"""Progress view 办理进度: what a calling system (by complaint id) or a reporter (by query code)
may see of a complaint: status and a timeline of stages, nothing else.

The ledger's records name officers and hold other reporters' reports; this module decides what
leaves. Stages are whitelisted, notes appear only on stages meant to be read by the reporter, and
those notes are redacted of contact details and of every name the caller knows to be personal
(the officers assigned, other reporters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .protection.redaction import redact


class Stage(StrEnum):
    """Stages a reporter may see 办理阶段."""

    RECEIVED = "received"  # 已受理
    MERGED = "merged"  # 已并入同一问题办理
    ASSIGNED = "assigned"  # 已交办 (to a team; who is never shown)
    ESCALATED = "escalated"  # 已提级办理
    RECTIFYING = "rectifying"  # 整改中
    CLOSED = "closed"  # 已办结
    REOPENED = "reopened"  # 重新办理
    RATED = "rated"  # 已评价


# Only these stages carry a note the reporter may read: the result and why it was reopened.
_NOTE_STAGES = frozenset({Stage.CLOSED, Stage.REOPENED})


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    stage: Stage
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProgressView:
    reference: str  # the complaint id, or "" when asked by query code (the code is not echoed)
    status: str  # open / closed, as in Open311
    stage: Stage
    timeline: tuple[TimelineEntry, ...]
    can_rate: bool  # closed and not yet rated: the reporter may rate 满意度评价

    def as_dict(self) -> dict[str, object]:
        return {
            "reference": self.reference or None,
            "status": self.status,
            "stage": self.stage.value,
            "timeline": [
                {"at": e.at.isoformat(timespec="seconds"), "stage": e.stage.value, "note": e.note}
                for e in self.timeline
            ],
            "can_rate": self.can_rate,
        }


def progress_view(
    entries: Iterable[TimelineEntry],
    *,
    reference: str = "",
    personal_names: Iterable[str] = (),
) -> ProgressView:
    """The public view of a complaint's history; `personal_names` are masked in notes."""
    names = tuple(personal_names)
    timeline = tuple(
        TimelineEntry(
            e.at,
            e.stage,
            redact(e.note, names) if e.note and e.stage in _NOTE_STAGES else None,
        )
        for e in sorted(entries, key=lambda e: (e.at, list(Stage).index(e.stage)))
    )
    closed = rated = False
    for entry in timeline:
        if entry.stage is Stage.CLOSED:
            closed, rated = True, False
        elif entry.stage is Stage.REOPENED:
            closed = False
        elif entry.stage is Stage.RATED and closed:
            rated = True
    stage = timeline[-1].stage if timeline else Stage.RECEIVED
    return ProgressView(
        reference=reference,
        status="closed" if closed else "open",
        stage=stage,
        timeline=timeline,
        can_rate=closed and not rated,
    )
