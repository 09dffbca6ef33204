"""Notify: kit tables, notifications with their delivery state, dead letters, subscriptions,
reporters, the contact directory and query-code notices.

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

SENDER_CHANNEL = "notifications_due"


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    kit.create(op)
    op.create_table(
        "notifications",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("cause_source", sa.Text, nullable=False),
        sa.Column("cause_id", sa.Text, nullable=False),
        sa.Column("cause_type", sa.Text, nullable=False),
        sa.Column("recipient_kind", sa.Text, nullable=False),
        sa.Column("recipient_ref", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("template_id", sa.Text, nullable=False),
        sa.Column("variables", pg.JSONB, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("due_by", sa.Date),
        sa.Column("due_by_estimated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("quiet_start", sa.Time),
        sa.Column("quiet_end", sa.Time),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("round_start", sa.Integer, nullable=False, server_default="0"),
        _ts("next_attempt_at", nullable=True),
        _ts("lease_until", nullable=True),
        _ts("wake_at", nullable=True),
        sa.Column("last_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("provider_ref", sa.Text),
        _ts("finished_at", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_notifications_cause_id", "notifications", ["cause_id"])
    # What a sender claims: per channel, by the time it is due; final rows drop out of the index.
    op.create_index("notifications_due", "notifications", ["channel", "wake_at"],
                    postgresql_where=sa.text("wake_at IS NOT NULL"))
    # The sender sleeps on LISTEN; a committed insert wakes it (statement level: once per batch).
    op.execute(
        "CREATE OR REPLACE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{SENDER_CHANNEL}', ''); RETURN NULL; END $$;"
    )
    op.execute(
        "CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications "
        "FOR EACH STATEMENT EXECUTE FUNCTION notifications_notify()"
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("notification_key", sa.Text, nullable=False, index=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recipient_kind", sa.Text, nullable=False),
        sa.Column("template_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("failed_at"),
        _ts("requeued_at", nullable=True),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False, index=True),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("filter", pg.JSONB, nullable=False),
        sa.Column("secrets", pg.JSONB, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "reporters",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("reporter_ref", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        _ts("recorded_at"),
    )
    op.create_table(
        "contacts",
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("ref", sa.Text, primary_key=True),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("channels", pg.JSONB),
        sa.Column("quiet_start", sa.Time),
        sa.Column("quiet_end", sa.Time),
        sa.Column("no_quiet_hours", sa.Boolean, nullable=False, server_default=sa.false()),
        _ts("updated_at"),
    )
    op.create_table(
        "notices",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("reporter_ref", sa.Text, nullable=False, index=True),
        sa.Column("complaint_id", sa.Text),
        sa.Column("template_id", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("due_by", sa.Date),
        _ts("created_at"),
    )


def downgrade() -> None:
    for table in ("notices", "contacts", "reporters", "subscriptions", "dead_letters"):
        op.drop_table(table)
    op.execute("DROP TRIGGER IF EXISTS notifications_inserted ON notifications")
    op.execute("DROP FUNCTION IF EXISTS notifications_notify()")
    op.drop_table("notifications")
    kit.drop(op)
