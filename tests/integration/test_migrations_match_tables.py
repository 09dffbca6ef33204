"""Each service's hand-written alembic tree builds the schema its code declares.

The migrations are written by hand (they own the indexes and foreign keys), and the code reads
and writes through its table definitions: a column added to one and not the other would only
show at run time. Here every tree is applied to a fresh database on the real PostgreSQL and
compared with the service's metadata and the kit's (outbox, processed events, positions) by
alembic's own comparison: no table, column, type or nullability may differ.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel.sql.sqltypes import AutoString

from deploy.local.stack import Infra
from services.intake.adapters.tables import IntakeTable
from services.ledger.adapters.tables import metadata as ledger_metadata
from services.notify.adapters.tables import NotifyTable
from services.pairing.adapters.tables import metadata as pairing_metadata
from shared.migrations import sync_url, upgrade
from shared.outbox.schema import kit_metadata
from tests.support.kitdb import drop_database

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
METADATA = {
    "intake": IntakeTable.metadata,
    "ledger": ledger_metadata,
    "pairing": pairing_metadata,
    "notify": NotifyTable.metadata,
}
# Only the migrations declare indexes and foreign keys (the code does not need them to query):
# something in the database the metadata does not name is expected; the reverse is drift.
MIGRATION_ONLY = {"remove_index", "remove_fk", "remove_constraint"}


def declared(service: str) -> sa.MetaData:
    """The service's tables and the kit's, as one metadata (what its database should hold)."""
    merged = sa.MetaData()
    for source in (METADATA[service], kit_metadata):
        for table in source.tables.values():
            table.to_metadata(merged)
    return merged


def flatten(diffs: list[Any]) -> Iterator[tuple[Any, ...]]:
    for d in diffs:
        yield from (d if isinstance(d, list) else [d])


def is_drift(diff: tuple[Any, ...]) -> bool:
    if diff[0] in MIGRATION_ONLY:
        return False
    # SQLModel's str columns (AutoString) are created as TEXT by the migrations: the same values.
    return not (diff[0] == "modify_type" and isinstance(diff[-1], AutoString)
                and isinstance(diff[-2], sa.Text))


@pytest.mark.parametrize("service", sorted(METADATA))
def test_the_migrated_schema_is_the_schema_the_code_declares(infra: Infra, service: str) -> None:
    url = infra.database_url(f"schema_{service}_{uuid.uuid4().hex[:6]}")
    upgrade(ROOT / "services" / service / "migrations", url)
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = list(flatten(compare_metadata(context, declared(service))))
    finally:
        engine.dispose()
        drop_database(url)
    drift = [d for d in diffs if is_drift(d)]
    assert drift == [], f"{service}: migrations and table definitions differ: {drift}"
    # The comparison really ran: the migrations own indexes the metadata leaves out.
    assert any(d[0] == "remove_index" for d in diffs)
