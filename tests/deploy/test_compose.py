"""docker-compose.yml against the code: no container engine runs here, so the file is read, not run.

Every check derives its expectations from the code at test time: the services are the packages
under services/, a command is valid if the entry point's argparse accepts it, an environment name
is valid if the settings class reads it, a healthcheck path is valid if the built app routes it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.deploy.codebase import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    HA_ENV,
    ROOT,
    MissingVariable,
    active_services,
    check_cli,
    command_of,
    compose,
    depends_on,
    environment,
    healthcheck_paths,
    module_settings_class,
    operator_secrets,
    python_module_command,
    raw_compose,
    read_env_file,
    routed,
    served_service,
    service_names,
    settings_env_names,
    uses_app_image,
    variables_used,
)

SPEC = ROOT / "deploy" / "compose" / "compose-spec.json"
APP_SERVICES = sorted(n for n, s in raw_compose()["services"].items() if uses_app_image(s))
PROJECT_VARIABLES = {"COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"}


def kafka_brokers(services: dict[str, Any]) -> dict[str, Any]:
    return {n: s for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka:")}


@pytest.mark.parametrize("env_files", [(ENV_EXAMPLE,), (ENV_EXAMPLE, HA_ENV)], ids=["default", "ha"])
def test_compose_file_validates_against_the_compose_specification(env_files: tuple[Any, ...]) -> None:
    schema = json.loads(SPEC.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose(*env_files)), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("no `docker compose` plugin on this machine; the JSON-schema check stands in for it")
    result = subprocess.run(
        [docker, "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_until_the_operator_sets_the_secrets() -> None:
    shipped = read_env_file(ENV_EXAMPLE)
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_FILE.read_text(encoding="utf-8")))
    left_to_operator = {name for name in required if not shipped.get(name)}
    assert left_to_operator, "secrets are generated per deployment, not shipped"
    assert left_to_operator <= set(operator_secrets()), "the operator's steps cover every secret"
    with pytest.raises(MissingVariable):
        compose(operator=False)
    assert environment(compose()["services"]["intake"])["ENVIRONMENT"] == "production"


def test_every_variable_is_documented_in_env_example() -> None:
    used = variables_used(COMPOSE_FILE.read_text(encoding="utf-8"))
    documented = read_env_file(ENV_EXAMPLE)
    assert used - set(documented) == set(), "used by docker-compose.yml, missing from .env.example"
    assert set(documented) - used - PROJECT_VARIABLES == set(), "in .env.example, used nowhere"
    assert set(read_env_file(HA_ENV)) - used - PROJECT_VARIABLES == set()
    # Each variable, or the group of variables it belongs to, has a comment above it.
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            above = i - 1
            while above >= 0 and re.match(r"^[A-Z_]+=", lines[above]):
                above -= 1
            assert above >= 0 and lines[above].startswith("#"), f"{line.split('=')[0]} is not explained"


def test_every_service_is_deployed_with_a_migration() -> None:
    services = compose()["services"]
    served = {served_service(s): n for n, s in services.items() if served_service(s)}
    assert set(served) == set(service_names())
    migrations = {
        python_module_command(command_of(s))[0].split(".")[1]: n  # type: ignore[index]
        for n, s in services.items()
        if uses_app_image(s) and command_of(s)[-1:] == ["migrate"]
    }
    assert set(migrations) == set(service_names())
    for service, name in served.items():
        deps = depends_on(services[name])
        assert deps.get(migrations[service]) == "service_completed_successfully", name
        assert deps.get("topics") == "service_completed_successfully", name
        migration_url = environment(services[migrations[service]])["DATABASE_URL"]
        assert environment(services[name])["DATABASE_URL"] == migration_url, f"{name}: not its migration's DB"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_command_exists(name: str) -> None:
    command = command_of(compose()["services"][name])
    parsed = python_module_command(command)
    assert parsed is not None, f"{name}: {command} is not `python -m <module> ...`"
    module, args = parsed
    result = check_cli(module, args)
    assert result.accepted, f"{name}: `{' '.join(command)}` is refused: {result.error}"


def settings_of(service: dict[str, Any]) -> Any:
    """The settings the compose service's process reads from its environment (.env.example with
    the operator's secrets), production rules included."""
    module, _ = python_module_command(command_of(service))  # type: ignore[misc]
    values = {k.lower(): v for k, v in environment(service).items()}
    return module_settings_class(module).model_validate(values)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_environment_names_are_read_by_the_settings(name: str) -> None:
    service = compose()["services"][name]
    module, _ = python_module_command(command_of(service))  # type: ignore[misc]
    cls = module_settings_class(module)
    unknown = {k for k in environment(service) if k.lower() not in settings_env_names(cls)}
    assert not unknown, f"{name} sets {sorted(unknown)}, which {cls.__qualname__} does not read"
    settings_of(service)  # and the values parse, production rules included


@pytest.mark.parametrize("service", service_names())
def test_healthcheck_paths_are_real_routes(service: str) -> None:
    services = compose()["services"]
    name = next(n for n, s in services.items() if served_service(s) == service)
    spec = services[name]
    paths = healthcheck_paths(spec["healthcheck"]["test"])
    assert paths, f"{name}'s healthcheck names no path"
    for path in paths:
        assert routed(service, "GET", path), f"{name}: healthcheck path {path} is not a route of {service}"
    port = settings_of(spec).http_port
    published = [str(p).rsplit(":", 1)[-1] for p in spec.get("ports", [])]
    assert published and all(p == str(port) for p in published), f"{name} listens on {port}"


def test_dependencies_have_conditions_that_can_be_met() -> None:
    raw = compose()["services"]
    for profiles in ({""}, {"ha"}, {"tools"}, {"ha", "tools"}):
        services = active_services(compose(), profiles)
        for name, service in services.items():
            for dep, condition in depends_on(service).items():
                assert dep in services, f"{name} depends on {dep}, not started with profiles {profiles}"
                assert condition in ("service_healthy", "service_completed_successfully"), (name, dep)
                if condition == "service_healthy":
                    assert "healthcheck" in raw[dep], f"{dep} has no healthcheck"
                else:
                    assert raw[dep].get("restart") == "no", f"one-shot {dep} must not restart"


def test_one_database_and_role_per_service() -> None:
    services = compose()["services"]
    postgres = environment(services["postgres"])
    assert sorted(postgres["SERVICE_DATABASES"].split()) == service_names()
    for name, spec in services.items():
        url = environment(spec).get("DATABASE_URL")
        if url is None:
            continue
        service = python_module_command(command_of(spec))[0].split(".")[1]  # type: ignore[index]
        parts = urlsplit(url)
        assert (parts.hostname, parts.path.lstrip("/"), parts.username) == ("postgres", service, service)
        assert parts.password == postgres[f"{service.upper()}_DB_PASSWORD"], name
    init = [v for v in services["postgres"]["volumes"] if v.split(":")[1] == "/docker-entrypoint-initdb.d"]
    assert init and (ROOT / init[0].split(":")[0]).is_dir()


def test_state_lives_on_named_volumes() -> None:
    doc = compose(ENV_EXAMPLE, HA_ENV)
    declared = set(doc["volumes"])
    used: dict[str, str] = {}
    for name, spec in doc["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                continue
            assert source in declared, f"{name} mounts undeclared volume {source}"
            assert source not in used, f"{name} and {used.get(source)} share {source}"
            used[source] = name
    stateful = ["postgres", *kafka_brokers(doc["services"])]
    assert set(stateful) <= set(used.values()), "every broker and the database keep data on a volume"


def test_kafka_is_the_official_image_in_kraft_mode() -> None:
    brokers = kafka_brokers(active_services(compose(), set()))
    assert set(brokers) == {"kafka"}, "one broker without a profile"
    env = environment(brokers["kafka"])
    assert brokers["kafka"]["image"] == "apache/kafka:3.9.1"
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the topic step only"
    assert not any("ZOOKEEPER" in k for k in env)


def test_topic_step_runs_the_code_topics_before_any_service() -> None:
    services = compose()["services"]
    topics = services["topics"]
    module, args = python_module_command(command_of(topics))  # type: ignore[misc]
    assert module == "deploy.topics" and check_cli(module, args).accepted
    assert depends_on(topics) == {"kafka": "service_healthy"}
    env = environment(topics)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == environment(services["intake"])["KAFKA_BOOTSTRAP_SERVERS"]
    assert env["KAFKA_TOPIC_PREFIX"] == environment(services["intake"])["KAFKA_TOPIC_PREFIX"]


def test_ha_profile_runs_three_brokers_with_replication_3_and_min_isr_2() -> None:
    doc = compose(ENV_EXAMPLE, HA_ENV)
    profiles = set(read_env_file(HA_ENV)["COMPOSE_PROFILES"].split(","))
    assert profiles == {"ha"}
    services = active_services(doc, profiles)
    brokers = kafka_brokers(services)
    assert len(brokers) == 3
    envs = {n: environment(s) for n, s in brokers.items()}
    ids = {env["KAFKA_NODE_ID"]: name for name, env in envs.items()}
    assert len(ids) == 3, "distinct node ids"
    voters = {f"{node}@{name}:9093" for node, name in ids.items()}
    bootstrap = {f"{name}:9092" for name in brokers}
    for name, env in envs.items():
        assert set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters, name
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert env["CLUSTER_ID"] == envs["kafka"]["CLUSTER_ID"]
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
    topics = environment(services["topics"])
    assert (topics["KAFKA_REPLICATION_FACTOR"], topics["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    for name, spec in services.items():
        env = environment(spec)
        if "KAFKA_BOOTSTRAP_SERVERS" in env:
            assert set(env["KAFKA_BOOTSTRAP_SERVERS"].split(",")) == bootstrap, name
