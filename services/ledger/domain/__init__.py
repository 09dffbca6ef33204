"""The ledger's pure domain (问题台账): every rule of the closed loop 发现 → 整改 → 检视 → 完善.

No I/O, no clock reads: callers pass `now` (an aware datetime) and, where deadlines matter,
the working-day calendar. Modules, one job each:

- `problem`        the aggregate: commands that record events, `apply` / `fold` over them
- `lifecycle`      which command may run from which status (the 409 table)
- `events`         past-tense facts; `serialization` their JSON codec and the state hash
- `workdays`       Chinese working days incl. 调休; `clocks` deadlines, pauses, extensions
- `responsibility` 责任到人 and plans scheduled backwards (倒排时间)
- `evidence`       evidence, verified recoveries, outside reviewers (对账销号)
- `ratings`, `scorecard`  成绩单; `escalation` 督办; `timeline` 办理记录
- `town_list` 一镇一清单; `themes` 一季度一主题; `statements` + `exports` 对账单
- `class_of_case` 类案促改; `statistics` figures by area and period with 同比
"""

from .class_of_case import ClassOfCase, ClassOfCaseRule, detect_class_of_case, fold_class
from .clocks import Clock, ClockPolicy
from .enums import (
    Category,
    ClockKind,
    Disposal,
    Level,
    ProblemStatus,
    RaterKind,
    ReworkCause,
    Source,
)
from .errors import CalendarOutOfRange, Conflict, Forbidden, IllegalTransition, Invalid, LedgerError
from .escalation import EscalationPolicy, escalate
from .evidence import Evidence, Recovery, Reviewer
from .period import Period
from .places import Place
from .problem import Problem, apply, fold
from .ratings import ScorecardPolicy
from .responsibility import Measure, RectificationPlan, ResponsiblePerson, Unit, plan_backwards
from .workdays import CHINA_CALENDAR, WorkingCalendar, YearSchedule

__all__ = [
    "CHINA_CALENDAR",
    "CalendarOutOfRange",
    "Category",
    "ClassOfCase",
    "ClassOfCaseRule",
    "Clock",
    "ClockKind",
    "ClockPolicy",
    "Conflict",
    "Disposal",
    "EscalationPolicy",
    "Evidence",
    "Forbidden",
    "IllegalTransition",
    "Invalid",
    "LedgerError",
    "Level",
    "Measure",
    "Period",
    "Place",
    "Problem",
    "ProblemStatus",
    "RaterKind",
    "Recovery",
    "RectificationPlan",
    "ResponsiblePerson",
    "Reviewer",
    "ReworkCause",
    "ScorecardPolicy",
    "Source",
    "Unit",
    "WorkingCalendar",
    "YearSchedule",
    "apply",
    "detect_class_of_case",
    "escalate",
    "fold",
    "fold_class",
    "plan_backwards",
]
