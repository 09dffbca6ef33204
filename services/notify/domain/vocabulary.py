"""Chinese labels for the codes other services put in events (状态、处置方式、类别、时限).

The codes belong to intake and the ledger; notify only needs to show them to people. An
unknown code is shown as itself rather than blocking a notice: a new ledger status must not
stop an officer or a reporter from being told.
"""

from __future__ import annotations

from collections.abc import Mapping

# Complaint received by intake, then the ledger's lifecycle (ledger ProblemStatus values).
STATUS_LABELS: Mapping[str, str] = {
    "received": "已接收",
    "registered": "已登记台账",
    "assigned": "已交办",
    "rectifying": "整改中",
    "awaiting_review": "待检视",
    "reviewed": "已检视",
    "closed": "已办结销号",
    "filed_pending": "暂存待查",
    "merged": "已并案",
}

# Disposal outcomes under 检举控告工作规则, as the ledger codes them.
DISPOSAL_LABELS: Mapping[str, str] = {
    "talk_or_letter": "谈话函询",
    "preliminary_verification": "初步核实",
    "filed_pending": "暂存待查",
    "concluded": "予以了结",
}
GENERIC_RESULT = "问题已办结并销号"

# Problem categories as intake codes them.
CATEGORY_LABELS: Mapping[str, str] = {
    "sanzi": "三资",
    "bidding": "小型工程招投标",
    "conduct": "作风",
    "benefits": "惠民政策",
    "ecology": "生态环境",
    "livelihood": "民生纠纷",
    "other": "其他",
}

ESCALATION_REASON_LABELS: Mapping[str, str] = {
    "overdue": "逾期未办结",
    "repeated_rework": "多次退回重办",
}

CLOCK_LABELS: Mapping[str, str] = {
    "acceptance_notice": "受理告知",
    "result_notice": "结果告知",
    "rectification": "整改",
    "forward": "转办",
    "petition_accept": "信访受理告知",
    "petition_close": "信访办结",
}


def label(labels: Mapping[str, str], code: str) -> str:
    """The Chinese label of `code`, or the code itself when we do not know it yet."""
    return labels.get(code, code)
