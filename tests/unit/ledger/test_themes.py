"""一季度一主题: the county's quarterly theme tags matching problems found in that quarter."""

from __future__ import annotations

import pytest

from services.ledger.domain.enums import Category, ProblemStatus
from services.ledger.domain.errors import Invalid
from services.ledger.domain.themes import Theme, tag_with_themes

from .factories import TIANCUO, at, problem_in, register

THEME = Theme(theme_id="2024q1-sanzi", area_code="350623", year=2024, quarter=1,
              topic="农村集体“三资”专项整治", categories=frozenset({Category.SANZI}),
              keywords=("虾池",))


def test_theme_tags_by_category_or_keyword_within_quarter_and_area() -> None:
    sanzi = register(now=at(2024, 1, 8), category=Category.SANZI, title="村集体鱼塘发包")
    keyword = register(now=at(2024, 2, 5), category=Category.CONDUCT, title="干部优亲厚友分配虾池")
    other = register(now=at(2024, 2, 5), category=Category.CONDUCT, title="万能章使用不规范")
    later = register(now=at(2024, 4, 1), category=Category.SANZI)
    elsewhere = register(now=at(2024, 1, 8), category=Category.SANZI, place=TIANCUO)
    for p in (sanzi, keyword, other, later, elsewhere):
        tag_with_themes(p, [THEME], actor="county", now=at(2024, 4, 2))
    assert THEME.tag in sanzi.tags and THEME.tag in keyword.tags
    assert THEME.tag not in other.tags + later.tags + elsewhere.tags
    assert tag_with_themes(sanzi, [THEME], actor="county", now=at(2024, 4, 3)) == []


def test_merged_items_are_skipped_and_themes_need_a_rule() -> None:
    merged, _ = problem_in(ProblemStatus.MERGED, start=at(2024, 1, 8, 8))
    assert tag_with_themes(merged, [THEME], actor="county", now=at(2024, 4, 2)) == []
    with pytest.raises(Invalid):
        Theme(theme_id="t", area_code="350623", year=2024, quarter=1, topic="空")
    with pytest.raises(Invalid):
        Theme(theme_id="t", area_code="350623", year=2024, quarter=5, topic="x",
              keywords=("x",))
