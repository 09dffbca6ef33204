"""Trace context: a child keeps the parent's trace id and flags, with a new span id."""

from __future__ import annotations

import re

import pytest

from shared.tracing import child_of, new_traceparent, trace_id

SHAPE = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_child_keeps_trace_and_flags_and_gets_a_new_span() -> None:
    child = child_of(PARENT)
    assert SHAPE.match(child)
    assert trace_id(child) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert child.endswith("-01")
    assert child.split("-")[2] != "00f067aa0ba902b7"
    assert child_of(PARENT) != child


@pytest.mark.parametrize("parent", [None, "", "garbage", "01-" + "a" * 32 + "-" + "b" * 16 + "-01",
                                    "00-" + "A" * 32 + "-" + "b" * 16 + "-01"])
def test_absent_or_invalid_parent_starts_a_new_trace(parent: str | None) -> None:
    child = child_of(parent)
    assert SHAPE.match(child)
    assert trace_id(child) != trace_id(parent)


def test_new_traces_differ() -> None:
    assert trace_id(new_traceparent()) != trace_id(new_traceparent())
    assert trace_id("nonsense") is None
