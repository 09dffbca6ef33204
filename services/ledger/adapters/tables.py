"""The ledger's tables (SQLAlchemy Core, on the ledger's own MetaData: names like `visits` are
the ledger's own, whatever another service calls its tables in the same process).

- `ledger_events`: the journal, append-only, one sequence per aggregate. Everything else is a
  projection of it (plus the visit logs read from intake), so a rebuild from the journal topic
  produces the same rows.
- `problems`: one row per problem with its aggregate state (`state`, the domain's JSON) and the
  columns lists and filters need.
- `problem_reports`: each complaint that reported the problem (并案) and its reporter's opaque ref.
- `class_cases`, `themes`, `visits`: class-of-case items, quarterly themes, household visits.
- `deadline_notices`, `rejected_inputs`, `deferred_inputs`: the sweep's sent-once record; input
  events the rules refused (kept for operators, never retried); input events waiting for the
  problem or complaint they refer to.

The aggregates' `state` and the journal's `body` are `json` holding the domain codec's text:
written as text (by the live path and by a rebuild alike, so both hold the same bytes), and
read back decoded. The schema itself is made by the hand-written migrations; these mirror it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class JsonText(sa.TypeDecorator[str]):
    """A `json` column written from exact JSON text (no re-serialising on the way in); read it
    back as text with a cast to Text."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


journal = sa.Table(
    "ledger_events", metadata,
    sa.Column("aggregate_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("aggregate_type", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("record_type", sa.Text, nullable=False),
    sa.Column("command_id", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    _at("at"),
    # The record exactly as published (the codec's JSON text).
    sa.Column("body", JsonText, nullable=False),
)

problems = sa.Table(
    "problems", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("problem_key", sa.Text, nullable=False, unique=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("town_code", sa.Text, nullable=False),
    sa.Column("county_code", sa.Text, nullable=False),
    sa.Column("village_code", sa.Text),
    sa.Column("place", JSONB, nullable=False),
    sa.Column("subject_name", sa.Text),
    sa.Column("subject_unit", sa.Text),
    sa.Column("escalate_up", sa.Boolean, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("report_count", sa.Integer, nullable=False),
    sa.Column("team", JSONB, nullable=False),
    sa.Column("rework_count", sa.Integer, nullable=False),
    sa.Column("tags", JSONB, nullable=False),
    sa.Column("merged_into", sa.Text),
    _at("registered_at"),
    sa.Column("registered_on", sa.Date, nullable=False),
    _at("updated_at"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("journal_seq", sa.Integer, nullable=False),
    sa.Column("state", JsonText, nullable=False),
)

reports = sa.Table(
    "problem_reports", metadata,
    sa.Column("complaint_id", sa.Text, primary_key=True),
    sa.Column("problem_id", sa.Text, nullable=False),
    sa.Column("reporter_ref", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    _at("received_at"),
)

class_cases = sa.Table(
    "class_cases", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("rule_id", sa.Text, nullable=False),
    sa.Column("county_code", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("members", JSONB, nullable=False),
    sa.Column("village_count", sa.Integer, nullable=False),
    sa.Column("town_count", sa.Integer, nullable=False),
    _at("opened_at"),
    _at("updated_at"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("journal_seq", sa.Integer, nullable=False),
    sa.Column("state", JsonText, nullable=False),
)

themes = sa.Table(
    "themes", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("area_code", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("categories", JSONB, nullable=False),
    sa.Column("keywords", JSONB, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    _at("set_at"),
    sa.Column("journal_seq", sa.Integer, nullable=False),
)

visits = sa.Table(
    "visits", metadata,
    sa.Column("visit_id", sa.Text, primary_key=True),
    sa.Column("officer_id", sa.Text, nullable=False),
    sa.Column("county_code", sa.Text, nullable=False),
    sa.Column("town_code", sa.Text, nullable=False),
    sa.Column("village_code", sa.Text),
    sa.Column("visited_on", sa.Date, nullable=False),
    sa.Column("households_visited", sa.Integer, nullable=False),
    sa.Column("problems_found", sa.Integer, nullable=False),
    sa.Column("persons_visited", sa.Integer, nullable=False),
)

deadline_notices = sa.Table(
    "deadline_notices", metadata,
    sa.Column("problem_id", sa.Text, primary_key=True),
    sa.Column("clock", sa.Text, primary_key=True),
    sa.Column("clock_start", sa.Date, primary_key=True),
    sa.Column("due_on", sa.Date, primary_key=True),
    sa.Column("overdue", sa.Boolean, primary_key=True),
    _at("staged_at"),
)

rejected_inputs = sa.Table(
    "rejected_inputs", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_source", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    _at("at"),
)

deferred_inputs = sa.Table(
    "deferred_inputs", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("waiting_for", sa.Text, nullable=False),
    sa.Column("event_source", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    _at("time"),
    sa.Column("traceparent", sa.Text),
    sa.Column("data", JSONB, nullable=False),
)
