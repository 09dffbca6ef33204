"""`python -m services.<name> migrate|serve`: the same two commands for every service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from shared.logs import configure_logging
from shared.migrations import upgrade
from shared.settings import ServiceSettings


def main(
    service: str,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings], FastAPI],
    migrations_dir: Path,
    extra: dict[str, Callable[[ServiceSettings, list[str]], int]] | None = None,
    argv: list[str] | None = None,
) -> int:
    extra = extra or {}
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("command", choices=["migrate", "serve", *extra])
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    settings = settings_factory()
    # JSON logs from the first line on: composition roots may log while they build.
    configure_logging(settings.service_name, settings.log_level)
    if ns.command == "migrate":
        upgrade(migrations_dir, settings.database_url)
        print(f"{service}: database migrated")
        return 0
    if ns.command == "serve":
        import uvicorn

        app = app_factory(settings)
        uvicorn.run(
            app, host=settings.http_host, port=settings.http_port, log_config=None,
            timeout_graceful_shutdown=30, access_log=False,
        )
        return 0
    return extra[ns.command](settings, ns.args)


if __name__ == "__main__":
    sys.exit("use python -m services.<name>")
