"""One theme per quarter (一季度一主题): the county sets the topic (点题), problems found in the
quarter that match it are tagged so towns can work it (破题、解题) and report back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .enums import Category, ProblemStatus
from .errors import Invalid
from .events import AnyProblemEvent
from .period import Period
from .places import check_area_code
from .problem import Problem


@dataclass(frozen=True, kw_only=True)
class Theme:
    """A quarterly supervision theme for an area (usually a county). A problem matches when it
    was registered in the quarter, lies in the area, and its category is one of `categories`
    or its title contains one of `keywords`."""

    theme_id: str
    area_code: str
    year: int
    quarter: int
    topic: str
    categories: frozenset[Category] = field(default_factory=frozenset)
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_area_code(self.area_code)
        Period.quarter(self.year, self.quarter)  # validates the quarter
        if not self.categories and not self.keywords:
            raise Invalid("bad_theme", "a theme needs categories or keywords to match by")

    @property
    def period(self) -> Period:
        return Period.quarter(self.year, self.quarter)

    @property
    def tag(self) -> str:
        return f"theme:{self.theme_id}"

    def matches(self, problem: Problem) -> bool:
        if not (problem.place.within(self.area_code) and self.period.contains(
                problem.registered_on)):
            return False
        return problem.category in self.categories or any(
            k in problem.title for k in self.keywords)


def tag_with_themes(problem: Problem, themes: Iterable[Theme], *, actor: str, now: datetime
                    ) -> list[AnyProblemEvent]:
    """Tag the problem with every matching theme; tagging is idempotent and merged
    duplicates are left alone."""
    if problem.status is ProblemStatus.MERGED:
        return []
    events: list[AnyProblemEvent] = []
    for theme in sorted(themes, key=lambda t: t.theme_id):
        if theme.matches(problem):
            events += problem.tag(tag=theme.tag, actor=actor, now=now)
    return events
