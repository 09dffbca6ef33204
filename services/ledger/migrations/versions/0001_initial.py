"""Ledger: kit tables, the journal and its projections.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from shared.outbox import schema as kit

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    kit.create(op)
    op.create_table(
        "ledger_events",
        sa.Column("aggregate_id", sa.Text, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("aggregate_type", sa.Text, nullable=False),
        # Derived from (aggregate_id, seq), so the key already makes it unique: no index to
        # maintain on the busiest table (a rebuild writes millions of rows).
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("record_type", sa.Text, nullable=False),
        sa.Column("command_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        _at("at"),
        # The record exactly as published (the codec's JSON text): `json`, not `jsonb`, keeps
        # the text, so the live and a rebuilt journal are equal byte for byte, and costs less.
        sa.Column("body", sa.JSON, nullable=False),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_key", sa.Text, nullable=False, unique=True),
        sa.Column("status", sa.Text, nullable=False, index=True),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("town_code", sa.Text, nullable=False, index=True),
        sa.Column("county_code", sa.Text, nullable=False, index=True),
        sa.Column("village_code", sa.Text),
        sa.Column("place", pg.JSONB, nullable=False),
        sa.Column("subject_name", sa.Text),
        sa.Column("subject_unit", sa.Text),
        sa.Column("escalate_up", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("report_count", sa.Integer, nullable=False),
        sa.Column("team", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("rework_count", sa.Integer, nullable=False),
        sa.Column("tags", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("merged_into", sa.Text),
        _at("registered_at"),
        sa.Column("registered_on", sa.Date, nullable=False, index=True),
        _at("updated_at"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("journal_seq", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),  # the codec's text: see ledger_events.body
    )
    op.create_table(
        "problem_reports",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("reporter_ref", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        _at("received_at"),
    )
    op.create_table(
        "class_cases",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False, index=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("category", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("members", pg.JSONB, nullable=False),
        sa.Column("village_count", sa.Integer, nullable=False),
        sa.Column("town_count", sa.Integer, nullable=False),
        _at("opened_at"),
        _at("updated_at"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("journal_seq", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),  # the codec's text: see ledger_events.body
    )
    op.create_table(
        "themes",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("area_code", sa.Text, nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("quarter", sa.Integer, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("categories", pg.JSONB, nullable=False),
        sa.Column("keywords", pg.JSONB, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        _at("set_at"),
        sa.Column("journal_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "visits",
        sa.Column("visit_id", sa.Text, primary_key=True),
        sa.Column("officer_id", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False, index=True),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("households_visited", sa.Integer, nullable=False),
        sa.Column("problems_found", sa.Integer, nullable=False),
        sa.Column("persons_visited", sa.Integer, nullable=False),
    )
    op.create_table(
        "deadline_notices",
        sa.Column("problem_id", sa.Text, primary_key=True),
        sa.Column("clock", sa.Text, primary_key=True),
        sa.Column("clock_start", sa.Date, primary_key=True),
        sa.Column("due_on", sa.Date, primary_key=True),
        sa.Column("overdue", sa.Boolean, primary_key=True),
        _at("staged_at"),
    )
    op.create_table(
        "rejected_inputs",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _at("at"),
    )
    op.create_table(
        "deferred_inputs",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("waiting_for", sa.Text, nullable=False, index=True),
        sa.Column("event_source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        _at("time"),
        sa.Column("traceparent", sa.Text),
        sa.Column("data", pg.JSONB, nullable=False),
    )


def downgrade() -> None:
    for name in ("deferred_inputs", "rejected_inputs", "deadline_notices", "visits", "themes", "class_cases",
                 "problem_reports", "problems", "ledger_events"):
        op.drop_table(name)
    kit.drop(op)
