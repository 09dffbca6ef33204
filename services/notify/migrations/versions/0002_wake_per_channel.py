"""Notify: the insert trigger wakes only the senders of the channels that got rows due now.

One NOTIFY per channel with new rows due within a second, on `notifications_due_<channel>`:
the SMS and email loops no longer run a claim for every batch of webhooks, and rows deferred
to the end of quiet hours, already delivered (query-code notices) or not inserted at all (an
event seen again) wake nobody. Later rows are found by the senders' poll, as retries are.

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS notifications_inserted ON notifications")
    op.execute(
        "CREATE OR REPLACE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('notifications_due_' || due.channel, '') FROM ("
        "SELECT DISTINCT channel FROM inserted_rows "
        "WHERE wake_at <= clock_timestamp() + interval '1 second') AS due; RETURN NULL; END $$;"
    )
    op.execute(
        "CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications "
        "REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION notifications_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS notifications_inserted ON notifications")
    op.execute(
        "CREATE OR REPLACE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('notifications_due', ''); RETURN NULL; END $$;"
    )
    op.execute(
        "CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications "
        "FOR EACH STATEMENT EXECUTE FUNCTION notifications_notify()"
    )
