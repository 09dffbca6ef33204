"""Notify: kit tables, subscriptions, notifications.

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
        "subscriptions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("caller", sa.Text, nullable=False, index=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secrets", pg.JSONB, nullable=False),
        sa.Column("event_types", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("filters", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("cause_event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recipient_kind", sa.Text, nullable=False),
        sa.Column("recipient_ref", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("body", pg.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    )
    op.create_index("notifications_due", "notifications", ["next_attempt_at"],
                    postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.execute(
        "CREATE OR REPLACE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('notifications_due', ''); RETURN NULL; END $$;"
    )
    op.execute(
        "CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications "
        "FOR EACH STATEMENT EXECUTE FUNCTION notifications_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS notifications_inserted ON notifications")
    op.execute("DROP FUNCTION IF EXISTS notifications_notify()")
    op.drop_table("notifications")
    op.drop_table("subscriptions")
    kit.drop(op)
