"""Intake: kit tables, complaints, idempotency keys.

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
        "complaints",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_key", sa.Text, nullable=False, index=True),
        sa.Column("duplicate_of", sa.Text),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("external_ref", sa.Text),
        sa.Column("channel_key", sa.Text, unique=True),
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("town_code", sa.Text, nullable=False, index=True),
        sa.Column("county_code", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text),
        sa.Column("reporter_ref", sa.Text, nullable=False, index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", pg.JSONB, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("complaint_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("complaints")
    kit.drop(op)
