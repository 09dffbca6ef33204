"""docs/operations.md's commands are real: what they name exists, what they run parses.

The guide's dead-letter replay and PostgreSQL backup and restore are executed by
test_dlq_replay.py and test_postgres.py; here every other command is checked against the compose
file (services, profiles, env files, ports), the code (`python -m` entry points, HTTP routes)
and the settings (the CALLERS example).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.settings import CallerConfig
from tests.deploy.codebase import (
    GUIDE,
    ROOT,
    HttpCall,
    all_consumer_groups,
    check_cli,
    compose,
    guide_commands,
    guide_http_calls,
    python_module_command,
    raw_compose,
    routed,
)

# docker compose's own options that take a value, global and per subcommand (the ones the guide uses).
GLOBAL_VALUE_OPTIONS = {"--env-file", "--profile", "-f", "--file", "-p", "--project-name"}
VALUE_OPTIONS = {"--scale", "--index", "--entrypoint", "-e", "--env", "-u", "--user", "-w", "--workdir"}
SUBCOMMANDS_WITH_COMMAND = {"run", "exec"}
SUBCOMMANDS_ON_SERVICES = {"up", "stop", "start", "restart", "logs", "ps", "build", "pull", "port"}


@dataclass
class ComposeCommand:
    line: str
    env_files: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    subcommand: str = ""
    options: dict[str, list[str]] = field(default_factory=dict)
    services: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)


def parse_compose(line: str) -> ComposeCommand:
    words = shlex.split(re.split(r" [<>|] ", line)[0])
    assert words[:2] == ["docker", "compose"]
    parsed, i = ComposeCommand(line), 2
    while words[i].startswith("-"):
        assert words[i] in GLOBAL_VALUE_OPTIONS, f"unexpected option {words[i]} in: {line}"
        target = parsed.env_files if words[i] == "--env-file" else parsed.profiles
        if words[i] in ("--env-file", "--profile"):
            target.append(words[i + 1])
        i += 2
    parsed.subcommand = words[i]
    assert parsed.subcommand in SUBCOMMANDS_WITH_COMMAND | SUBCOMMANDS_ON_SERVICES, line
    i += 1
    positionals: list[str] = []
    while i < len(words):
        word = words[i]
        if word.startswith("-") and not (positionals and parsed.subcommand in SUBCOMMANDS_WITH_COMMAND):
            if word in VALUE_OPTIONS:
                parsed.options.setdefault(word, []).append(words[i + 1])
                i += 2
                continue
            parsed.options.setdefault(word, [])
            i += 1
            continue
        positionals.append(word)
        i += 1
    if parsed.subcommand in SUBCOMMANDS_WITH_COMMAND:
        parsed.services, parsed.command = positionals[:1], positionals[1:]
    elif parsed.subcommand == "port":
        parsed.services = positionals[:1]
    else:
        parsed.services = positionals
    return parsed


COMPOSE_LINES = [line for line in guide_commands() if line.startswith("docker compose")]


def all_profiles() -> set[str]:
    return {p for s in raw_compose()["services"].values() for p in s.get("profiles", [])}


def test_the_guide_covers_start_scale_secrets_replay_backup() -> None:
    text = GUIDE.read_text(encoding="utf-8").lower()
    for topic in ("## start", "## scale", "## rotate secrets", "## replay a dead-letter topic",
                  "## back up and restore"):
        assert topic in text
    assert COMPOSE_LINES, "the guide's commands are in ```bash blocks"


@pytest.mark.parametrize("line", COMPOSE_LINES)
def test_compose_commands_name_what_exists(line: str) -> None:
    cmd = parse_compose(line)
    for env_file in cmd.env_files:
        assert env_file == ".env" or (ROOT / env_file).is_file(), env_file
    assert set(cmd.profiles) <= all_profiles(), cmd.profiles
    services = compose()["services"]
    names = [*cmd.services, *(s.split("=")[0] for s in cmd.options.get("--scale", []))]
    for name in names:
        assert name in services, f"{name} is not a compose service ({line})"
    if cmd.subcommand == "port":
        assert services[cmd.services[0]].get("ports"), f"{cmd.services[0]} publishes no port"
    parsed = python_module_command(cmd.command)
    if parsed is not None:
        module, args = parsed
        result = check_cli(module, args)
        assert result.accepted, f"`{' '.join(cmd.command)}` is refused: {result.error}"
        image_services = [n for n in cmd.services if "build" in services[n]]
        assert image_services, f"{line}: python -m runs in the application image"
    if "--group" in cmd.command:
        group = cmd.command[cmd.command.index("--group") + 1]
        assert group in consumer_group_names(), f"{group} is not a consumer group of the code"
    if cmd.command[:1] and cmd.command[0].startswith("/docker-entrypoint-initdb.d/"):
        script = cmd.command[0].rsplit("/", 1)[1]
        mounts = [v.split(":")[0] for v in services[cmd.services[0]]["volumes"]
                  if v.split(":")[1] == "/docker-entrypoint-initdb.d"]
        assert (ROOT / mounts[0] / script).is_file(), script


def consumer_group_names() -> set[str]:
    return {g.group for g in all_consumer_groups()}


@pytest.mark.parametrize("call", guide_http_calls(), ids=lambda c: f"{c.method} {c.path}")
def test_http_calls_reach_real_routes(call: HttpCall) -> None:
    assert routed(call.service, call.method, call.path), f"{call.method} {call.path}: not in {call.service}"


def json_blocks() -> list[Any]:
    blocks = re.findall(r"```json\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [json.loads(b.replace("<hash>", "0" * 64).replace("<hash of INTAKE_TOKEN>", "1" * 64))
            for b in blocks]


def test_callers_example_is_what_the_settings_accept() -> None:
    [callers] = json_blocks()
    configs = [CallerConfig.model_validate(c) for c in callers]
    assert configs and {"*"} <= {s for c in configs for s in c.scopes}
