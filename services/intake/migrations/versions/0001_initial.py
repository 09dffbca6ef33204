"""Intake: kit tables, complaints, reporters (sealed), idempotency claims, visits, the
personal-data audit, the progress projection and ratings.

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


def _at(name: str, nullable: bool = False, **kw: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **kw)


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
        sa.Column("place_code", sa.Text, nullable=False),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text),
        sa.Column("subject_name", sa.Text),
        sa.Column("subject_unit", sa.Text),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("escalate_up", sa.Boolean, nullable=False),
        sa.Column("handling_level", sa.Text, nullable=False),
        sa.Column("reporter_ref", sa.Text, nullable=False, index=True),
        sa.Column("visit_id", sa.Text, index=True),
        sa.Column("media_url", sa.Text),
        _at("received_at"),
        _at("accepted_at", server_default=sa.func.now()),
    )
    # The duplicate-clustering candidate query: same town and category, most recent first.
    op.create_index("complaints_candidates", "complaints", ["town_code", "category", "received_at"])
    # Open311 `GET /requests` and a caller's own listing.
    op.create_index("complaints_caller_received", "complaints", ["caller", "received_at"])
    op.create_table(
        "reporters",
        sa.Column("reporter_ref", sa.Text, primary_key=True),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("sealed_contact", sa.LargeBinary),
        sa.Column("contact_key_id", sa.Text),
        sa.Column("query_code_digest", sa.Text, unique=True),
        _at("created_at", server_default=sa.func.now()),
    )
    op.create_table(
        "idempotency_claims",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text),
        sa.Column("result", pg.JSONB, nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("log_id", sa.Text, nullable=False),
        sa.Column("visit_key", sa.Text, nullable=False, unique=True),
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("officer_id", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text, nullable=False),
        sa.Column("town_code", sa.Text, nullable=False, index=True),
        sa.Column("county_code", sa.Text, nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("households_visited", sa.Integer, nullable=False),
        sa.Column("persons_visited", sa.Integer, nullable=False),
        sa.Column("problem_count", sa.Integer, nullable=False),
        _at("recorded_at"),
    )
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("reporter_ref", sa.Text, nullable=False, index=True),
        sa.Column("reader", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("fields", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("found", sa.Boolean, nullable=False),
        _at("at"),
    )
    op.create_table(
        "problem_progress",
        sa.Column("problem_key", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("status_notes", sa.Text),
        sa.Column("officer_refs", pg.ARRAY(sa.Text), nullable=False, server_default="{}"),
        _at("expected_at", nullable=True),
        _at("updated_at"),
    )
    op.create_table(
        "progress_entries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("problem_key", sa.Text, nullable=False, index=True),
        sa.Column("complaint_id", sa.Text, index=True),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        _at("at"),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("complaint_id", sa.Text, nullable=False, index=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
        _at("rated_at"),
    )


def downgrade() -> None:
    for table in (
        "ratings", "progress_entries", "problem_progress", "personal_data_reads", "visits",
        "idempotency_claims", "reporters", "complaints",
    ):
        op.drop_table(table)
    kit.drop(op)
