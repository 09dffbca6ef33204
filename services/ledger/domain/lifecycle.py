"""The problem lifecycle (办理流程) as one table: which command is allowed from which status.

发现 → 整改 → 检视 → 完善:

    registered 登记 ──assign──▶ assigned 交办 ──set_plan──▶ rectifying 整改中
    rectifying ──submit──▶ awaiting_review 待检视 ──pass_review──▶ reviewed 已检视
    reviewed ──close──▶ closed 销号
    awaiting_review / reviewed ──return_for_rework──▶ back to work (退回重办)
    closed ──reopen──▶ back to work (重新打开)
    open ──merge──▶ merged 已合并 (terminal)
    registered / assigned / rectifying / filed_pending ──transfer_up──▶ registered, level above
    registered / assigned / filed_pending ──dispose──▶ 谈话函询/初步核实: stays (or leaves
        filed_pending); 暂存待查: filed_pending; 予以了结: awaiting_review (the conclusion
        is reviewed and struck off like any other item)

"Back to work" (`rework_target`): rectifying when a plan exists, else assigned when someone is
responsible, else registered. A reopened item keeps its responsible people and plan: the same
people redo the fix, under a fresh (shorter) rectification clock.

Where the target status depends on arguments it is computed in `problem.py`; this table only
says where a command may start, so the 409 check is one lookup.
"""

from __future__ import annotations

from enum import StrEnum

from .enums import ProblemStatus
from .errors import IllegalTransition

S = ProblemStatus


class Command(StrEnum):
    ASSIGN = "assign"  # 交办
    SET_PLAN = "set_plan"  # 制定整改方案
    COMPLETE_MEASURE = "complete_measure"  # 完成整改措施
    ADD_EVIDENCE = "add_evidence"  # 上传佐证材料
    SUBMIT = "submit_rectification"  # 提交整改
    PASS_REVIEW = "pass_review"  # 检视通过
    RETURN_FOR_REWORK = "return_for_rework"  # 退回重办
    CLOSE = "close"  # 销号
    REOPEN = "reopen"  # 重新打开
    MERGE = "merge"  # 合并
    ATTACH_DUPLICATE = "attach_duplicate"  # 并入重复件
    ATTACH_REPORT = "attach_report"  # 并案 (重复举报)
    TRANSFER_UP = "transfer_up"  # 提级
    DISPOSE = "dispose"  # 处置
    RATE = "rate"  # 评价
    APPEAL_RATING = "appeal_rating"  # 申诉
    DECIDE_APPEAL = "decide_appeal"  # 申诉裁定
    ESCALATE = "escalate"  # 督办
    TAG = "tag"  # 标记
    RECORD_DISCIPLINE = "record_discipline"  # 问责
    START_CLOCK = "start_clock"  # 开始计时
    STOP_CLOCK = "stop_clock"  # 停止计时
    PAUSE_CLOCK = "pause_clock"  # 中止计时
    RESUME_CLOCK = "resume_clock"  # 恢复计时
    EXTEND_CLOCK = "extend_clock"  # 延期


OPEN = frozenset({S.REGISTERED, S.ASSIGNED, S.RECTIFYING, S.AWAITING_REVIEW, S.REVIEWED,
                  S.FILED_PENDING})
NOT_MERGED = OPEN | {S.CLOSED}

ALLOWED_FROM: dict[Command, frozenset[ProblemStatus]] = {
    Command.ASSIGN: frozenset({S.REGISTERED, S.ASSIGNED, S.RECTIFYING}),
    Command.SET_PLAN: frozenset({S.ASSIGNED, S.RECTIFYING}),
    Command.COMPLETE_MEASURE: frozenset({S.RECTIFYING}),
    Command.ADD_EVIDENCE: OPEN,
    Command.SUBMIT: frozenset({S.RECTIFYING}),
    Command.PASS_REVIEW: frozenset({S.AWAITING_REVIEW}),
    Command.RETURN_FOR_REWORK: frozenset({S.AWAITING_REVIEW, S.REVIEWED}),
    Command.CLOSE: frozenset({S.REVIEWED}),
    Command.REOPEN: frozenset({S.CLOSED}),
    Command.MERGE: OPEN,
    Command.ATTACH_DUPLICATE: NOT_MERGED,
    Command.ATTACH_REPORT: NOT_MERGED,
    Command.TRANSFER_UP: frozenset({S.REGISTERED, S.ASSIGNED, S.RECTIFYING, S.FILED_PENDING}),
    Command.DISPOSE: frozenset({S.REGISTERED, S.ASSIGNED, S.FILED_PENDING}),
    Command.RATE: frozenset({S.AWAITING_REVIEW, S.REVIEWED, S.CLOSED}),
    Command.APPEAL_RATING: NOT_MERGED,
    Command.DECIDE_APPEAL: NOT_MERGED,
    Command.ESCALATE: OPEN,
    Command.TAG: NOT_MERGED,
    Command.RECORD_DISCIPLINE: NOT_MERGED,
    Command.START_CLOCK: NOT_MERGED,
    Command.STOP_CLOCK: NOT_MERGED,
    Command.PAUSE_CLOCK: NOT_MERGED,
    Command.RESUME_CLOCK: NOT_MERGED,
    Command.EXTEND_CLOCK: NOT_MERGED,
}


def check(command: Command, status: ProblemStatus) -> None:
    """Raise `IllegalTransition` (HTTP 409) unless `command` may run in `status`."""
    allowed = ALLOWED_FROM[command]
    if status not in allowed:
        raise IllegalTransition(command.value, status.value, frozenset(s.value for s in allowed))


def is_allowed(command: Command, status: ProblemStatus) -> bool:
    return status in ALLOWED_FROM[command]


def rework_target(has_plan: bool, has_responsible: bool) -> ProblemStatus:
    if has_plan:
        return S.RECTIFYING
    return S.ASSIGNED if has_responsible else S.REGISTERED
