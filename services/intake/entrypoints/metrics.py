"""Group-commit figures on /metrics: how many accepts share a transaction, and how long it takes."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from services.intake.service_layer.group_commit import GroupCommitter


class GroupCommitCollector:
    def __init__(self, committer: GroupCommitter) -> None:
        self.committer = committer

    def collect(self) -> Iterable[CounterMetricFamily | GaugeMetricFamily]:
        stats = self.committer.stats
        yield CounterMetricFamily("intake_commit_batches", "Group-commit transactions", value=stats.batches)
        yield CounterMetricFamily("intake_commit_submissions", "Submissions stored by group commit",
                                  value=stats.submissions)
        yield CounterMetricFamily("intake_commit_fallbacks", "Batches retried one submission at a time",
                                  value=stats.fallbacks)
        yield CounterMetricFamily("intake_commit_seconds", "Time spent in group-commit transactions",
                                  value=stats.commit_seconds)
        yield GaugeMetricFamily("intake_commit_largest_batch", "Largest batch so far", value=stats.largest)
