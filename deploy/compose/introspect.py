"""What the code declares, for the compose checks and the AsyncAPI generator: services, their
settings, consumer groups, routes and command lines.

Each service is asked in a Python process of its own: services share nothing at run time, and
their modules need not be importable side by side (SQLModel, for one, keeps every table of a
process in one registry). `python -m deploy.compose.introspect facts|cli` is that process; the
functions here start it and read its JSON answer.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import json
import logging
import runpy
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shared.events.topics import set_namespace

ROOT = Path(__file__).resolve().parents[2]


def service_names() -> list[str]:
    """Every service package: a folder of services/ with a composition root."""
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/bootstrap.py"))


def _ask(args: list[str], query: Any) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", __name__, *args], input=json.dumps(query), capture_output=True,
        text=True, cwd=ROOT, timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"introspection {args} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def service_facts(service: str, routes: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """The service's app as `serve` builds it (which connects nowhere): its consumer groups, its
    default HTTP port, and for each (method, path) in `routes` whether the app routes it."""
    facts: dict[str, Any] = _ask(["facts"], {"service": service, "routes": [list(r) for r in routes]})
    return facts


def cli_accepts(module: str, argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """For each argv, does `python -m module *argv` parse? Runs up to its argparse, no further."""
    answers: list[dict[str, Any]] = _ask(["cli", module], [list(a) for a in argvs])
    return answers


# --- the asked process ------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_build() -> Iterator[None]:
    """Building an app configures JSON logging and the topic namespace: undo both afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        set_namespace("")


def _settings_class(service: str) -> type[Any]:
    from shared.settings import ServiceSettings

    module = importlib.import_module(f"services.{service}.settings")
    found = [
        c for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ServiceSettings) and c.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise LookupError(f"services.{service}.settings defines {len(found)} settings classes")
    return found[0]


def _facts(query: dict[str, Any]) -> dict[str, Any]:
    from starlette.routing import Match

    service = query["service"]
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    settings = _settings_class(service)(environment="test", kafka_topic_prefix="")
    with quiet_build():
        app = bootstrap.build_app(settings)
    runtime = app.state.runtime

    def routed(method: str, path: str) -> bool:
        scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
        return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)

    return {
        "service": service,
        "http_port": runtime.settings.http_port,
        "consumers": [
            {"group": spec.name, "topics": [t.base for t in spec.topics], "handles": sorted(spec.handlers)}
            for spec in runtime.consumer_specs
        ],
        "routes": [routed(method, path) for method, path in query["routes"]],
    }


class _Parsed(Exception):
    pass


def _cli(module: str, argvs: list[list[str]]) -> list[dict[str, Any]]:
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self: argparse.ArgumentParser, *a: Any, **kw: Any) -> Any:
        original(self, *a, **kw)
        raise _Parsed

    answers = []
    argparse.ArgumentParser.parse_args = parse_then_stop  # type: ignore[method-assign]
    try:
        for argv in argvs:
            err = io.StringIO()
            sys.argv = [module, *argv]
            accepted, error = False, "the module never parsed its arguments"
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    runpy.run_module(module, run_name="__main__", alter_sys=False)
            except _Parsed:
                accepted, error = True, ""
            except SystemExit as exc:
                accepted, error = exc.code == 0, err.getvalue() or f"exit {exc.code}"
            except ImportError as exc:
                error = f"{type(exc).__name__}: {exc}"
            answers.append({"argv": argv, "accepted": accepted, "error": error})
    finally:
        argparse.ArgumentParser.parse_args = original  # type: ignore[method-assign]
    return answers


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    query = json.loads(sys.stdin.read())
    if args[:1] == ["facts"]:
        answer: Any = _facts(query)
    elif args[:1] == ["cli"] and len(args) == 2:
        answer = _cli(args[1], query)
    else:
        print("usage: python -m deploy.compose.introspect facts|cli MODULE < query.json", file=sys.stderr)
        return 2
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
