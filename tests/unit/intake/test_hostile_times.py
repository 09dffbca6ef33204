"""Times at the ends of what datetime can hold are field errors (422/400), not server errors:
converting them to China time or subtracting the query window would overflow."""

from __future__ import annotations

from typing import Any

import pytest

from services.intake.domain.channels.household_visit import VisitLog
from services.intake.domain.divisions import DivisionRegistry
from services.intake.domain.errors import ErrorCode
from services.intake.domain.open311.errors import Open311Rejected
from services.intake.domain.open311.requests import parse_request_query

from .conftest import NOW
from .test_validation import body, errors_of


@pytest.mark.parametrize("moment", ["0001-01-01T05:00:00+08:00", "9999-12-31T23:00:00-14:00",
                                    "1900-01-01T00:00:00+08:00"])
def test_a_complaint_time_outside_the_plausible_years_is_out_of_range(
    registry: DivisionRegistry, moment: str
) -> None:
    assert errors_of(registry, body(occurred_at=moment))["occurred_at"] is ErrorCode.OUT_OF_RANGE


def test_a_visit_log_recorded_at_the_end_of_time_is_refused_not_crashed() -> None:
    log: dict[str, Any] = {"officer_id": "officer-1", "village_code": "350623101226",
                           "recorded_at": "9999-12-31T23:00:00-14:00", "visited_on": "2024-05-06",
                           "households_visited": 3, "persons_visited": 5}
    with pytest.raises(ValueError, match=r"out_of_range|1949"):
        VisitLog.model_validate(log)


@pytest.mark.parametrize("name", ["end_date", "start_date"])
def test_an_open311_query_date_at_the_end_of_time_is_a_400(name: str) -> None:
    with pytest.raises(Open311Rejected):
        parse_request_query({name: "0001-01-02T00:00:00Z"}, now=NOW)
