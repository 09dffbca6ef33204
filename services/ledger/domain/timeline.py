"""A problem's timeline (办理记录): every event, who did it and when, in words an officer reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .events import (
    AnyProblemEvent,
    ClockExtended,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockStopped,
    DisciplineRecorded,
    DisposalDecided,
    DuplicateAttached,
    Escalated,
    EvidenceAdded,
    MeasureCompleted,
    ProblemAssigned,
    ProblemClosed,
    ProblemMerged,
    ProblemRegistered,
    ProblemReopened,
    ProblemTagged,
    ProblemTransferredUp,
    Rated,
    RatingAppealDecided,
    RatingAppealed,
    RectificationPlanSet,
    RectificationSubmitted,
    ReportAttached,
    ReturnedForRework,
    ReviewPassed,
)

LABELS: dict[type, str] = {
    ProblemRegistered: "登记",
    ProblemTransferredUp: "提级",
    ClockStarted: "开始计时",
    ClockStopped: "停止计时",
    ClockPaused: "中止计时",
    ClockResumed: "恢复计时",
    ClockExtended: "延期",
    ProblemAssigned: "交办",
    RectificationPlanSet: "制定整改方案",
    MeasureCompleted: "完成整改措施",
    EvidenceAdded: "上传佐证材料",
    RectificationSubmitted: "提交整改",
    ReviewPassed: "检视通过",
    ReturnedForRework: "退回重办",
    ProblemClosed: "销号",
    ProblemReopened: "重新打开",
    ProblemMerged: "合并",
    DuplicateAttached: "并入重复件",
    ReportAttached: "并案",
    DisposalDecided: "处置",
    Rated: "评价",
    RatingAppealed: "申诉",
    RatingAppealDecided: "申诉裁定",
    Escalated: "督办",
    ProblemTagged: "标记",
    DisciplineRecorded: "问责",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    at: datetime
    actor: str
    event_type: str
    label: str
    detail: str


def _detail(e: AnyProblemEvent) -> str:
    match e:
        case ProblemRegistered():
            return f"{e.title} ({e.category}, {e.source})"
        case ProblemTransferredUp():
            return f"{e.from_level} → {e.to_level}: {e.reason}"
        case ClockStarted():
            return f"{e.kind}: {e.days} {e.unit} days from {e.start}"
        case ClockStopped() | ClockResumed():
            return f"{e.kind} on {e.on}"
        case ClockPaused():
            return f"{e.kind} from {e.on}: {e.reason} (approved by {e.approver})"
        case ClockExtended():
            return f"{e.kind} +{e.days} days: {e.reason} (approved by {e.approver})"
        case ProblemAssigned():
            return f"{e.unit.name}: " + "、".join(p.name for p in e.responsible)
        case RectificationPlanSet():
            return f"{len(e.plan.measures)} measures, due {e.plan.due}"
        case MeasureCompleted():
            return e.measure_id
        case EvidenceAdded():
            return f"{e.evidence.kind}: {e.evidence.description}"
        case RectificationSubmitted():
            return f"round {e.round}: {e.summary}"
        case ReviewPassed():
            return f"reviewer {e.reviewer.person_id}"
        case ReturnedForRework() | ProblemReopened():
            return f"{e.cause}: {e.reason}"
        case ProblemMerged():
            return f"into {e.into_problem_id}"
        case DuplicateAttached():
            return e.duplicate_id
        case ReportAttached():
            return "实名" if e.named else "匿名/保密"
        case DisposalDecided():
            return f"{e.disposal} {e.note}".strip()
        case Rated():
            return f"{e.rating.rater_kind} {e.rating.score}/5, resolved={e.rating.resolved}"
        case RatingAppealed():
            return f"{e.rating_id}: {e.reason}"
        case RatingAppealDecided():
            return f"{e.rating_id}: {'upheld' if e.upheld else 'rejected'}"
        case Escalated():
            return f"tier {e.tier} → {e.to_level} {e.to_area_code} ({e.reason})"
        case ProblemTagged():
            return e.tag
        case DisciplineRecorded():
            return f"{len(e.people)} people"
        case ProblemClosed():
            return e.note
    return ""


def timeline(events: Iterable[AnyProblemEvent]) -> list[TimelineEntry]:
    """Entries in the order recorded (stable, so same-instant events keep their order)."""
    return [
        TimelineEntry(at=e.at, actor=e.actor, event_type=e.type, label=LABELS[type(e)],
                      detail=_detail(e))
        for e in events
    ]
