"""Kafka topics: one per aggregate, keyed by the aggregate id, each with a dead-letter twin."""

from __future__ import annotations

from dataclasses import dataclass

# A namespace in front of every topic and consumer group, so several deployments (a city each,
# or one test run each) can share one Kafka cluster without reading each other's events.
_namespace = ""


def set_namespace(prefix: str) -> None:
    global _namespace
    _namespace = prefix


def namespaced(name: str) -> str:
    return f"{_namespace}{name}"


@dataclass(frozen=True)
class Topic:
    base: str
    aggregate: str
    description: str
    partitions: int = 6

    @property
    def name(self) -> str:
        return namespaced(self.base)

    @property
    def dlq(self) -> str:
        return dead_letter_topic(self.name)


def dead_letter_topic(name: str) -> str:
    return f"{name}.dlq"


COMPLAINTS = Topic("intake.complaints", "complaint", "Complaints and reports accepted by intake (信访举报)")
VISITS = Topic("intake.visits", "visit_log", "Household-visit logs (入户访查 走访日志)")
RATINGS = Topic("intake.ratings", "complaint", "Reporters' ratings given through intake (满意度评价)")
PROBLEMS = Topic("ledger.problems", "problem", "The problem ledger's lifecycle (问题台账)")
LEDGER_JOURNAL = Topic(
    "ledger.journal", "problem",
    "The ledger's own domain events, complete: the source a rebuild folds (internal to the ledger)",
)
CLASS_CASES = Topic("ledger.class-cases", "class_of_case", "Class-of-case rectifications (类案促改)")
ASSIGNMENTS = Topic("pairing.assignments", "problem", "Cross-town team assignments (跨镇协作)")
NOTIFICATIONS = Topic("notify.notifications", "notification", "Delivery outcomes of notifications")

ALL_TOPICS: tuple[Topic, ...] = (
    COMPLAINTS, VISITS, RATINGS, PROBLEMS, LEDGER_JOURNAL, CLASS_CASES, ASSIGNMENTS, NOTIFICATIONS,
)


def all_topic_names(with_dlq: bool = True) -> list[str]:
    names = [t.name for t in ALL_TOPICS]
    if with_dlq:
        names += [t.dlq for t in ALL_TOPICS]
    return names
