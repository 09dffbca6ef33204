"""Pairing's tables, as SQLAlchemy Core on a MetaData of the service's own (SQLModel keeps one
registry per process, where the ledger's `problems` would collide with ours in a test run).
The migrations in migrations/versions create exactly these.

- `officers`: the registry (干部库), one row per officer with past posts and declared relations.
- `problems`: the problems the ledger opened, as pairing needs them, with their staffing status.
- `solves`: every run of the engine with its complete input (registry snapshot + state) and
  result, compressed, so an auditor can re-derive any team (复核) and get the same bytes.
- `registry_snapshots`: the registry as a solve saw it, shared by the solves that saw the same.
- `assignments`: one row per team given to a problem, with its explanation; `memberships` one
  row per member, the history that recency, rotation and load rules read.
- `escalations`: problems no conflict-free team can staff, with their certificates (无法回避证明).
- `recusals`: members who declared a conflict after assignment (事后回避), and what followed.
- `rounds`: batch solves over a period's open problems (批量派组); `rosters`: county–township and
  cross-town rotation rosters (结对/片区轮换名单).
- `staffing_state`: one row; its token changes with every write to `memberships`, which tells a
  process whether the history it keeps is still current.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)


def _text(name: str, nullable: bool = True, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=nullable and not primary_key, primary_key=primary_key)


officers = sa.Table(
    "officers", metadata,
    _text("id", primary_key=True), _text("name", False), _text("kind", False), _text("unit", False),
    _text("county_code", False), _text("town_code"), _text("village_code"), _text("native_village_code"),
    sa.Column("skills", JSONB, nullable=False),
    sa.Column("past_posts", JSONB, nullable=False),
    sa.Column("relations", JSONB, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("available", sa.Boolean, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # Every write takes nextval('officer_versions'): (count, max version) names a registry state,
    # which is what lets a process keep the registry it last read (state.load_registry).
    sa.Column("version", sa.BigInteger, nullable=False,
              server_default=sa.text("nextval('officer_versions')")),
)

NEXT_VERSION = sa.func.nextval("officer_versions")

problems = sa.Table(
    "problems", metadata,
    _text("id", primary_key=True), _text("town_code", False), _text("village_code"),
    _text("category", False), _text("subject_id"),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("opened_at", TS, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    _text("status", False),  # pending | assigned | unstaffable | closed
    sa.Column("updated_at", TS, nullable=False),
)

registry_snapshots = sa.Table(
    "registry_snapshots", metadata,
    _text("digest", primary_key=True),
    sa.Column("officers", sa.LargeBinary, nullable=False),
    sa.Column("officer_count", sa.Integer, nullable=False),
    sa.Column("at", TS, nullable=False),
)

solves = sa.Table(
    "solves", metadata,
    _text("id", primary_key=True), _text("kind", False), _text("round_id"), _text("input_digest", False),
    _text("registry_digest", False),
    sa.Column("state", sa.LargeBinary, nullable=False),
    sa.Column("policy", JSONB, nullable=False),
    _text("mode", False), _text("q"), _text("published_value"), _text("seed"),
    sa.Column("result", sa.LargeBinary),
    sa.Column("escalations", JSONB, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("stats", JSONB, nullable=False),
    sa.Column("at", TS, nullable=False),
)

assignments = sa.Table(
    "assignments", metadata,
    _text("id", primary_key=True), _text("problem_id", False), _text("solve_id", False), _text("round_id"),
    _text("town_code", False),
    sa.Column("members", JSONB, nullable=False),
    _text("mode", False), _text("seed"), _text("q"),
    sa.Column("explanation", JSONB, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    _text("replaces_assignment_id"),
    sa.Column("at", TS, nullable=False),
)

memberships = sa.Table(
    "memberships", metadata,
    _text("assignment_id", primary_key=True), _text("officer_id", primary_key=True),
    _text("problem_id", False), _text("role", False), _text("town_code", False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),  # false once recused or replaced
    sa.Column("open", sa.Boolean, nullable=False),  # false once the ledger closed the problem
)

escalations = sa.Table(
    "escalations", metadata,
    _text("id", primary_key=True), _text("problem_id", False), _text("solve_id"),
    _text("cause", False),  # solve | recusal
    sa.Column("certificate", JSONB, nullable=False),
    _text("summary", False),
    sa.Column("at", TS, nullable=False),
)

recusals = sa.Table(
    "recusals", metadata,
    _text("id", primary_key=True), _text("problem_id", False), _text("assignment_id", False),
    _text("officer_id", False),
    sa.Column("relation", JSONB, nullable=False),
    _text("reason", False), _text("role", False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("pool_size", sa.Integer, nullable=False),
    _text("replacement_officer_id"), _text("new_assignment_id"), _text("escalation_id"),
    _text("actor", False),
    sa.Column("at", TS, nullable=False),
)

rounds = sa.Table(
    "rounds", metadata,
    _text("id", primary_key=True), _text("period", False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    _text("mode", False), _text("q"), _text("published_value"), _text("on_infeasible", False),
    _text("solve_id"),
    sa.Column("problem_ids", JSONB, nullable=False),
    sa.Column("summary", JSONB, nullable=False),
    _text("actor", False),
    sa.Column("at", TS, nullable=False),
)

rosters = sa.Table(
    "rosters", metadata,
    _text("id", primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    _text("kind", False), _text("county_code", False), _text("period", False), _text("seed", False),
    _text("published_value"),
    sa.Column("pairs", JSONB, nullable=False),
    sa.Column("avoided_periods", JSONB, nullable=False),
    sa.Column("forbidden", JSONB, nullable=False),
    _text("actor", False),
    sa.Column("at", TS, nullable=False),
)

staffing_state = sa.Table(
    "staffing_state", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _text("memberships_token", False),
)
