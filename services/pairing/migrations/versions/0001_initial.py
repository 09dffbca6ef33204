"""Pairing: kit tables, officers, assignments.

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
        "officers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False, index=True),
        sa.Column("town_code", sa.Text, index=True),
        sa.Column("native_village_code", sa.Text),
        sa.Column("skills", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("past_posts", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("relations", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("active_load", sa.Integer, nullable=False, server_default="0"),
        sa.Column("available", sa.Boolean, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("members", pg.JSONB, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("explanation", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("one_active_assignment", "assignments", ["problem_id"], unique=True,
                    postgresql_where=sa.text("active"))


def downgrade() -> None:
    op.drop_table("assignments")
    op.drop_table("officers")
    kit.drop(op)
