"""The README's walkthrough is executed, command for command, against a running system."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from deploy.local.stack import Stack
from tests.support.stacks import WebhookSink

pytestmark = [pytest.mark.e2e, pytest.mark.infra]
README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the README walkthrough has a bash block"
    return match.group(1)


def test_readme_walkthrough_reaches_the_webhook(system: tuple[Stack, WebhookSink]) -> None:
    stack, sink = system
    env = {
        **os.environ,
        "INTAKE": stack.services["intake"].url,
        "LEDGER": stack.services["ledger"].url,
        "WEBHOOK_LOG": str(sink.path),
    }
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough()], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    accepted = json.loads(lines[0])
    assert accepted["status"] == "received"
    listing = json.loads(lines[1])
    problem = next(p for p in listing["items"] if p["problem_key"] == accepted["problem_key"])
    assert problem["status"] == "assigned"
    assert problem["team"] and all(m["town_code"] != "350623104" for m in problem["team"])
    deliveries = [json.loads(line) for line in lines[2:]]
    assert deliveries and all(d["signature"].startswith("t=") for d in deliveries)
