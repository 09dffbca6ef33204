"""Pairing in-process on the session's real Kafka and PostgreSQL: one service per module, in its
own database and topic namespace (a module's settings come from its `pairing_settings`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from deploy.local.stack import Infra
from shared.events.topics import namespaced, set_namespace
from tests.integration.pairing.harness import Pairing, running_pairing


@pytest.fixture(scope="module")
def pairing_settings() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
async def pairing(infra: Infra, pairing_settings: dict[str, Any]) -> AsyncIterator[Pairing]:
    previous = namespaced("")
    try:
        async with running_pairing(infra, f"p{uuid.uuid4().hex[:8]}.", **pairing_settings) as running:
            yield running
    finally:
        set_namespace(previous)
