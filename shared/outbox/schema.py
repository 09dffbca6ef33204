"""The event kit's tables, present in every service's database.

- `outbox`: events waiting to be published, written in the same transaction as the state change.
- `processed_events`: what each consumer has applied, by CloudEvents source + id.
- `consumer_positions`: the next offset per consumer and partition, stored with the effect, so a
  consumer resumes from the database's truth rather than Kafka's committed offset.
Each service's first alembic revision calls `create(op)`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

kit_metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    kit_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("aggregate_type", sa.Text, nullable=False),
    sa.Column("aggregate_id", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", pg.JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
)

processed_events = sa.Table(
    "processed_events",
    kit_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_source", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

consumer_positions = sa.Table(
    "consumer_positions",
    kit_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

NOTIFY_CHANNEL = "outbox_ready"

_NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
  RETURN NULL;
END $$;
"""


def create(op: Any) -> None:
    """Create the kit's tables inside an alembic migration."""
    for table in (outbox, processed_events, consumer_positions):
        op.create_table(table.name, *[c._copy() for c in table.columns])
    op.create_index("outbox_unpublished", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_index("outbox_event_id", "outbox", ["event_id", "topic"], unique=True)
    op.execute(_NOTIFY_FUNCTION)
    # Statement-level: one wake-up per transaction batch, delivered by PostgreSQL at commit.
    op.execute(
        "CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    )


def drop(op: Any) -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_inserted ON outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
    for name in ("consumer_positions", "processed_events", "outbox"):
        op.drop_table(name)
