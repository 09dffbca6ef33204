"""Alembic, driven from code: each service owns a migration tree, run as an explicit step.

Migrations never run on import or at service start; `python -m services.<name> migrate` (or
`make migrate`, or the compose file's migration job) runs them, so a rollout can migrate once and
then start any number of replicas.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def sync_url(url: str) -> str:
    """Migrations use the synchronous psycopg driver; services use asyncpg."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the service's database on the server if it does not exist yet."""
    target = make_url(sync_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    ensure_database(url)
    command.upgrade(alembic_config(migrations_dir, url), revision)


def run_env() -> None:
    """The body of every service's alembic env.py."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by shared.migrations.alembic_config"
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
