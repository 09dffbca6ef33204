"""The Dockerfile: multi-stage, pinned, non-root, the code it needs, a healthcheck the apps route."""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib

import pytest

from tests.deploy.codebase import (
    ROOT,
    check_cli,
    dockerfile_default_command,
    dockerfile_healthcheck_paths,
    routed,
    service_names,
)
from tests.deploy.codebase import dockerfile_instructions as instructions
from tests.deploy.codebase import dockerfile_stages as stages


def args() -> dict[str, str]:
    return dict(rest.split("=", 1) for k, rest in instructions() if k == "ARG" and "=" in rest)


def test_multi_stage_from_a_pinned_slim_python_of_the_project_version() -> None:
    froms = [rest for k, rest in instructions() if k == "FROM"]
    assert len(froms) >= 2, "a builder stage and a runtime stage"
    image = args()["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:(\d+\.\d+\.\d+)-slim-\w+@sha256:[0-9a-f]{64}", image), image
    with (ROOT / "pyproject.toml").open("rb") as fh:
        requires = tomllib.load(fh)["project"]["requires-python"]
    minor = re.search(r">=(\d+\.\d+)", requires).group(1)  # type: ignore[union-attr]
    assert image.startswith(f"python:{minor}."), f"the image's Python is the project's ({requires})"
    assert all(f.startswith("${PYTHON_IMAGE}") for f in froms), "every stage from the pinned image"


def test_builder_installs_the_lock_and_runtime_copies_the_code() -> None:
    builder, runtime = stages()[0], stages()[-1]
    builder_text = " ".join(rest for _, rest in builder)
    assert "requirements.lock" in builder_text and "pip install" in builder_text
    copies = [rest for k, rest in runtime if k == "COPY" and "--from" not in rest]
    copied = {shlex.split(rest)[-2].rstrip("/") for rest in copies}
    assert {"shared", "services", "data", "deploy"} <= copied
    assert any(k == "COPY" and "--from=builder" in rest for k, rest in runtime), "the venv from the builder"


def test_runtime_runs_as_an_unprivileged_user() -> None:
    users = [rest for k, rest in stages()[-1] if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_default_command_serves_a_real_service() -> None:
    words = dockerfile_default_command()
    assert words[:2] == ["python", "-m"] and words[3:] == ["serve"]
    assert words[2].split(".")[1] in service_names()
    assert check_cli(words[2], words[3:]).accepted


@pytest.mark.parametrize("service", service_names())
def test_healthcheck_path_is_a_route_of_every_service(service: str) -> None:
    paths = dockerfile_healthcheck_paths()
    assert paths and all(routed(service, "GET", p) for p in paths)


def test_dockerignore_keeps_secrets_and_state_out_and_the_code_in() -> None:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)

    for path in (".env", ".venv", ".local", ".git", "tests"):
        assert ignored(path), path
    for path in ("shared", "services", "data", "deploy", "requirements.lock", "pyproject.toml"):
        assert not ignored(path), path
