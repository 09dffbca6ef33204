"""What the deploy checks read from the code at test time: services, settings, CLIs, routes, compose.

Nothing here is a list of names: services are the packages under services/, a CLI's commands are
whatever its argparse accepts, a route is whatever the app built by `build_app` matches. Apps and
entry points are asked in a process per service (deploy.compose.introspect); every question the
checks will ask is gathered first from the files (compose, Dockerfile, guide), so each service's
process starts once per test session.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import re
import secrets
import shlex
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic_settings import BaseSettings

from deploy.asyncapi import ConsumerGroup, consumer_groups
from deploy.compose.introspect import ROOT, cli_accepts, service_facts, service_names
from shared.settings import token_hash

COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
HA_ENV = ROOT / "deploy" / "compose" / "ha.env"
GUIDE = ROOT / "docs" / "operations.md"
DOCKERFILE = ROOT / "Dockerfile"

__all__ = ["ROOT", "service_names"]


# --- settings -------------------------------------------------------------------------------


def module_settings_class(module: str) -> type[BaseSettings]:
    """The settings class a `python -m <module>` entry point reads: defined in it or its .settings."""
    package = module.removesuffix(".__main__")
    candidates: list[type[BaseSettings]] = []
    for name in (package, f"{package}.settings"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        candidates += [
            c for _, c in inspect.getmembers(mod, inspect.isclass)
            if issubclass(c, BaseSettings) and c.__module__ == mod.__name__
        ]
    if len(candidates) != 1:
        raise LookupError(f"{module}: expected one settings class, found {candidates}")
    return candidates[0]


def settings_env_names(cls: type[BaseSettings]) -> set[str]:
    """Environment names pydantic-settings reads for `cls` (no prefix, case-insensitive)."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    names: set[str] = set()
    for name, info in cls.model_fields.items():
        alias = info.validation_alias
        names.add((alias if isinstance(alias, str) else f"{prefix}{name}").lower())
    return names


def python_module_command(command: list[str]) -> tuple[str, list[str]] | None:
    """(`module`, args) of `python -m module args...`, or None for anything else."""
    if len(command) >= 3 and command[0] in ("python", "python3") and command[1] == "-m":
        return command[2], command[3:]
    return None


# --- the compose file ---------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<colon>:?)(?P<op>[-?+])(?P<arg>.*))?$", re.S)


class MissingVariable(KeyError):
    pass


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose-file interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $$."""

    def substitute(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return env.get(match.group("named"), "")
        expr = _BRACED.match(match.group("braced"))
        if expr is None:
            raise ValueError(f"bad interpolation ${{{match.group('braced')}}}")
        name, op, arg = expr.group("name"), expr.group("op"), expr.group("arg") or ""
        value = env.get(name)
        unset = value is None or (bool(expr.group("colon")) and value == "")
        if op == "-":
            return interpolate(arg, env) if unset else str(value)
        if op == "?":
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return str(value)
        if op == "+":
            return "" if unset else interpolate(arg, env)
        return "" if value is None else value

    return _VARIABLE.sub(substitute, text)


def variables_used(text: str) -> set[str]:
    names = set()
    for match in _VARIABLE.finditer(text):
        if match.group("named"):
            names.add(match.group("named"))
        elif match.group("braced"):
            expr = _BRACED.match(match.group("braced"))
            if expr:
                names.add(expr.group("name"))
                names |= variables_used(expr.group("arg") or "")
    return names


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolate_tree(v, env) for v in node]
    if isinstance(node, dict):
        return {k: _interpolate_tree(v, env) for k, v in node.items()}
    return node


def raw_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


@cache
def _compose_for(env_items: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    tree: dict[str, Any] = _interpolate_tree(raw_compose(), dict(env_items))
    return tree


@cache
def operator_secrets() -> dict[str, str]:
    """What an operator adds to .env.example before the first start (docs/operations.md, Start):
    the secrets it leaves empty, generated the way the guide and .env.example say."""
    from cryptography.fernet import Fernet

    admin_token, intake_token = secrets.token_hex(32), secrets.token_hex(32)

    def key_ring() -> str:
        return "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")

    callers = [
        {"name": "county-commission", "token_sha256": token_hash(admin_token), "scopes": ["*"]},
        {"name": "notify-service", "token_sha256": token_hash(intake_token),
         "scopes": ["reporters:contact:read"]},
    ]
    passwords = [n for n, v in read_env_file(ENV_EXAMPLE).items() if n.endswith("_PASSWORD") and not v]
    return {
        **{name: secrets.token_hex(24) for name in passwords},
        "CALLERS": json.dumps(callers),
        "REPORTER_KEYS": key_ring(), "QUERY_CODE_KEYS": key_ring(),
        "SECRET_KEYS": Fernet.generate_key().decode(),
        "DEFAULT_WEBHOOK_SECRET": secrets.token_hex(32),
        "INTAKE_TOKEN": intake_token,
    }


def compose(*env_files: Path, operator: bool = True) -> dict[str, Any]:
    """The compose file as `docker compose --env-file ...` sees it: .env.example by default, plus
    the operator's secrets (`operator=False`: .env.example exactly as shipped)."""
    env: dict[str, str] = {}
    for path in env_files or (ENV_EXAMPLE,):
        env.update(read_env_file(path))
    if operator:
        env.update(operator_secrets())
    return _compose_for(tuple(sorted(env.items())))


def active_services(doc: Mapping[str, Any], profiles: set[str]) -> dict[str, Any]:
    return {
        name: svc for name, svc in doc["services"].items()
        if not svc.get("profiles") or set(svc["profiles"]) & profiles
    }


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def uses_app_image(service: Mapping[str, Any]) -> bool:
    return "build" in service


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command")
    assert isinstance(command, list), f"use the exec form for commands: {command!r}"
    return [str(c) for c in command]


def served_service(service: Mapping[str, Any]) -> str | None:
    """`intake` for a compose service running `python -m services.intake serve`."""
    parsed = python_module_command(command_of(service)) if uses_app_image(service) else None
    if parsed and parsed[0].startswith("services.") and parsed[1][:1] == ["serve"]:
        return parsed[0].split(".")[1]
    return None


def depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def healthcheck_paths(test: list[str]) -> list[str]:
    return [part for part in test if part.startswith("/") and not part.startswith("/opt/")]


# --- the Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "FROM":
            out.append([])
        if out:
            out[-1].append((keyword, rest))
    return out


def exec_form(rest: str) -> list[str]:
    """The JSON array of a CMD or HEALTHCHECK ... CMD instruction."""
    parsed: list[str] = json.loads(rest.split("CMD", 1)[-1].strip())
    return parsed


def dockerfile_healthcheck_paths() -> list[str]:
    [healthcheck] = [rest for k, rest in dockerfile_stages()[-1] if k == "HEALTHCHECK"]
    return [w for w in exec_form(healthcheck) if w.startswith("/")]


def dockerfile_default_command() -> list[str]:
    """The runtime stage's CMD with its ${VAR} taken from the stage's ENV."""
    runtime = dockerfile_stages()[-1]
    env: dict[str, str] = {}
    for k, rest in runtime:
        if k == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    [cmd] = [rest for k, rest in runtime if k == "CMD"]
    script = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], exec_form(cmd)[-1])
    return shlex.split(script.removeprefix("exec "))


# --- the operator guide ---------------------------------------------------------------------


def guide_commands() -> Iterator[str]:
    """Every command line in the guide's ```bash blocks (continuation lines joined)."""
    text = GUIDE.read_text(encoding="utf-8")
    for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", text, re.S):
        pending = ""
        for line in block.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            yield pending + stripped
            pending = ""


def guide_python_commands() -> list[tuple[str, list[str]]]:
    """(module, args) of every `python -m` command the guide runs (inside `docker compose run`)."""
    found = []
    for line in guide_commands():
        if "python -m" not in line:
            continue
        words = shlex.split(re.split(r" [<>|] ", line)[0])
        for i in range(len(words) - 2):
            if words[i:i + 2] == ["python", "-m"]:
                found.append((words[i + 2], words[i + 3:]))
                break
    return found


def published_service(port: int) -> str:
    """The compose service whose published port range holds `port` (as .env.example sets it)."""
    for name, spec in compose()["services"].items():
        for mapping in spec.get("ports", []):
            low, _, high = str(mapping).split(":")[-2].partition("-")
            if int(low) <= port <= int(high or low):
                return str(name)
    raise AssertionError(f"no service is published on {port}")


@dataclass(frozen=True)
class HttpCall:
    line: str
    service: str
    method: str
    path: str


def guide_http_calls() -> list[HttpCall]:
    calls = []
    for line in guide_commands():
        if not line.startswith("curl "):
            continue
        words = shlex.split(line)
        method = words[words.index("-X") + 1] if "-X" in words else "GET"
        parts = urlsplit(next(w for w in words if w.startswith("http")))
        service = served_service(compose()["services"][published_service(parts.port or 80)])
        assert service is not None, line
        path = re.sub(r"\$\{?[A-Z_]+\}?", "00000000-0000-4000-8000-000000000000", parts.path)
        calls.append(HttpCall(line, service, method, path))
    return calls


# --- questions to the code, asked once per session -----------------------------------------------


def route_questions() -> dict[str, set[tuple[str, str]]]:
    """Every (method, path) the checks ask each service about."""
    questions: dict[str, set[tuple[str, str]]] = {s: set() for s in service_names()}
    for spec in compose()["services"].values():
        service = served_service(spec)
        if service in questions:
            questions[service] |= {("GET", p) for p in healthcheck_paths(spec["healthcheck"]["test"])}
    for service in questions:
        questions[service] |= {("GET", p) for p in dockerfile_healthcheck_paths()}
    for call in guide_http_calls():
        questions[call.service].add((call.method, call.path))
    return questions


@cache
def _all_facts() -> dict[str, dict[str, Any]]:
    questions = {s: sorted(q) for s, q in route_questions().items()}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = dict(zip(questions, pool.map(lambda s: service_facts(s, questions[s]), questions),
                           strict=True))
    for service, answer in answers.items():
        answer["routed"] = {f"{m} {p}": ok
                            for (m, p), ok in zip(questions[service], answer["routes"], strict=True)}
    return answers


def facts(service: str) -> dict[str, Any]:
    return _all_facts()[service]


def routed(service: str, method: str, path: str) -> bool:
    answers: dict[str, bool] = facts(service)["routed"]
    assert f"{method} {path}" in answers, f"{method} {path} was not gathered by route_questions()"
    return answers[f"{method} {path}"]


def all_consumer_groups() -> list[ConsumerGroup]:
    return consumer_groups([facts(s) for s in service_names()])


def cli_questions() -> dict[str, set[tuple[str, ...]]]:
    questions: dict[str, set[tuple[str, ...]]] = {}
    commands = [python_module_command(command_of(s)) for s in raw_compose()["services"].values()
                if uses_app_image(s)]
    default = dockerfile_default_command()
    commands += [python_module_command(default), *guide_python_commands()]
    for command in commands:
        if command is not None:
            questions.setdefault(command[0], set()).add(tuple(command[1]))
    return questions


@cache
def cli_answers() -> dict[tuple[str, tuple[str, ...]], dict[str, Any]]:
    questions = {module: sorted(argvs) for module, argvs in cli_questions().items()}
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = dict(zip(questions, pool.map(lambda m: cli_accepts(m, questions[m]), questions),
                           strict=True))
    return {
        (module, argv): answer
        for module, argvs in questions.items()
        for argv, answer in zip(argvs, replies[module], strict=True)
    }


@dataclass(frozen=True)
class CliCheck:
    accepted: bool
    error: str


def check_cli(module: str, args: list[str]) -> CliCheck:
    """Does `python -m module *args` parse? (Asked of the module itself, in its own process.)"""
    answer = cli_answers().get((module, tuple(args)))
    if answer is None:
        [answer] = cli_accepts(module, [args])
    return CliCheck(bool(answer["accepted"]), str(answer["error"]))
