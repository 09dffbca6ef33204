"""Quiet hours (免打扰时段): a daily wall-clock window in China time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from services.notify.domain.working_days import CHINA_TZ


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in China time; `start > end` means it wraps midnight (22:00-08:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need a non-empty window")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times in China; pass naive times")

    def contains(self, moment: datetime) -> bool:
        if moment.tzinfo is None:
            raise ValueError("need an aware datetime")
        local = moment.astimezone(CHINA_TZ).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def defer(self, moment: datetime) -> datetime:
        """`moment` itself if outside the window, else the end of the window."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(CHINA_TZ)
        end = local.replace(
            hour=self.end.hour,
            minute=self.end.minute,
            second=self.end.second,
            microsecond=self.end.microsecond,
        )
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(moment.tzinfo)
