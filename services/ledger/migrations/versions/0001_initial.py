"""Ledger: kit tables, problems, reports, timeline.

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


def upgrade() -> None:
    kit.create(op)
    op.create_table(
        "problems",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_key", sa.Text, nullable=False, unique=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
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
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "problem_reports",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("problem_id", sa.Text, sa.ForeignKey("problems.id"), nullable=False, index=True),
        sa.Column("complaint_id", sa.Text, nullable=False, unique=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "problem_events",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("problem_id", sa.Text, sa.ForeignKey("problems.id"), nullable=False, index=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", pg.JSONB, nullable=False, server_default="{}"),
    )


def downgrade() -> None:
    op.drop_table("problem_events")
    op.drop_table("problem_reports")
    op.drop_table("problems")
    kit.drop(op)
