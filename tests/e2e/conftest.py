"""One running system (four service processes) shared by the end-to-end tests of a module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.stack import Infra, Stack
from tests.support.stacks import WebhookSink, running_stack


@pytest.fixture(scope="module")
def system(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, WebhookSink]]:
    run_dir: Path = tmp_path_factory.mktemp("system")
    with running_stack(infra, run_dir, f"e{uuid.uuid4().hex[:8]}.") as pair:
        yield pair
