"""Pairing: kit tables, the officer registry, problems, solves with their inputs, assignments,
memberships, escalations, recusals, rounds and rosters.

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

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    kit.create(op)
    # Every write to an officer takes the next version: (count, max version) names a registry state.
    op.execute("CREATE SEQUENCE officer_versions")
    op.create_table(
        "officers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False, index=True),
        sa.Column("town_code", sa.Text, index=True),
        sa.Column("village_code", sa.Text),
        sa.Column("native_village_code", sa.Text),
        sa.Column("skills", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("past_posts", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("relations", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, index=True,
                  server_default=sa.text("nextval('officer_versions')")),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("village_code", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("round", sa.Integer, nullable=False, index=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("problems_pending", "problems", ["round"], postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "registry_snapshots",
        sa.Column("digest", sa.Text, primary_key=True),
        sa.Column("officers", sa.LargeBinary, nullable=False),
        sa.Column("officer_count", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "solves",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("round_id", sa.Text),
        sa.Column("input_digest", sa.Text, nullable=False),
        sa.Column("registry_digest", sa.Text, sa.ForeignKey("registry_snapshots.digest"), nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("policy", pg.JSONB, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("q", sa.Text),
        sa.Column("published_value", sa.Text),
        sa.Column("seed", sa.Text),
        sa.Column("result", sa.LargeBinary),
        sa.Column("escalations", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("stats", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False),
        sa.Column("solve_id", sa.Text, sa.ForeignKey("solves.id"), nullable=False),
        sa.Column("round_id", sa.Text),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("members", pg.JSONB, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("seed", sa.Text),
        sa.Column("q", sa.Text),
        sa.Column("explanation", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("replaces_assignment_id", sa.Text),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("assignments_problem", "assignments", ["problem_id", "at"])
    # A problem has at most one team at work; a replacement deactivates the team it replaces.
    op.create_index("one_active_assignment", "assignments", ["problem_id"], unique=True,
                    postgresql_where=sa.text("active"))
    op.create_table(
        "memberships",
        sa.Column("assignment_id", sa.Text, sa.ForeignKey("assignments.id"), primary_key=True),
        sa.Column("officer_id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("town_code", sa.Text, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
    )
    op.create_index("memberships_officer_round", "memberships", ["officer_id", "round"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("solve_id", sa.Text, sa.ForeignKey("solves.id")),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("certificate", pg.JSONB, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "recusals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("problem_id", sa.Text, nullable=False, index=True),
        sa.Column("assignment_id", sa.Text, sa.ForeignKey("assignments.id"), nullable=False),
        sa.Column("officer_id", sa.Text, nullable=False),
        sa.Column("relation", pg.JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("pool_size", sa.Integer, nullable=False),
        sa.Column("replacement_officer_id", sa.Text),
        sa.Column("new_assignment_id", sa.Text),
        sa.Column("escalation_id", sa.Text),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("period", sa.Text, nullable=False, index=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("q", sa.Text),
        sa.Column("published_value", sa.Text),
        sa.Column("on_infeasible", sa.Text, nullable=False),
        sa.Column("solve_id", sa.Text, sa.ForeignKey("solves.id")),
        sa.Column("problem_ids", pg.JSONB, nullable=False),
        sa.Column("summary", pg.JSONB, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "rosters",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("county_code", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("seed", sa.Text, nullable=False),
        sa.Column("published_value", sa.Text),
        sa.Column("pairs", pg.JSONB, nullable=False),
        sa.Column("avoided_periods", pg.JSONB, nullable=False),
        sa.Column("forbidden", pg.JSONB, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("rosters_one_per_period", "rosters", ["kind", "county_code", "period"], unique=True)


def downgrade() -> None:
    for table in ("rosters", "rounds", "recusals", "escalations", "memberships", "assignments",
                  "solves", "registry_snapshots", "problems", "officers"):
        op.drop_table(table)
    op.execute("DROP SEQUENCE officer_versions")
    kit.drop(op)
