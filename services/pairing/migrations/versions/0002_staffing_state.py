"""Pairing: a token that changes with every write to memberships, so a process can keep the
history and open cases it read last and know when they are stale (state.py).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staffing_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("memberships_token", sa.Text, nullable=False),
    )
    op.execute("INSERT INTO staffing_state (id, memberships_token) VALUES (1, 'initial')")


def downgrade() -> None:
    op.drop_table("staffing_state")
