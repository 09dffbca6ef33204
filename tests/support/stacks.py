"""The four services as separate processes, on the session's Kafka and PostgreSQL.

Each stack gets its own topic namespace and databases, so tests never see each other's events.
A local webhook sink stands in for a calling system and records what it received.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from deploy.local.demo import seed
from deploy.local.stack import ROOT, Infra, Stack, free_port
from tests.support.intake_data import zhangzhou_villages

ADMIN = {"Authorization": "Bearer demo-admin-token"}
HOTLINE = {"Authorization": "Bearer demo-hotline-token"}


class WebhookSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "deploy.local.webhook_sink", str(self.port), str(self.path)],
            cwd=ROOT, start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(self.url, content=b"{}", headers={"Idempotency-Key": "probe"}, timeout=1)
                return
            time.sleep(0.1)
        raise TimeoutError("webhook sink did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    def deliveries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
        return [r for r in rows if r["key"] != "probe"]


@contextlib.contextmanager
def running_stack(
    infra: Infra, run_dir: Path, namespace: str, env: dict[str, str] | None = None,
    seed_officers: bool = True,
) -> Iterator[tuple[Stack, WebhookSink]]:
    sink = WebhookSink(run_dir / "webhooks.jsonl")
    sink.start()
    stack = Stack(
        infra, run_dir, namespace=namespace, db_suffix="_" + namespace.strip("."),
        env={"DEFAULT_WEBHOOK_URL": sink.url, "LOG_LEVEL": "INFO", **(env or {})},
    )
    try:
        stack.prepare()
        stack.start()
        if seed_officers:
            seed(stack)
        yield stack, sink
    finally:
        stack.stop()
        sink.stop()


def wait_until(predicate: Any, timeout: float, interval: float = 0.2, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


FIRST_VILLAGE = "350623104210"  # 漳浦县杜浔镇林前村, the walkthrough's village: complaint 1 is there
CATEGORIES = ("sanzi", "bidding", "conduct", "benefits", "ecology", "livelihood", "other")


def numbered_place(n: int) -> tuple[str, str]:
    """A village and category of its own for complaint `n`: intake merges near-identical reports
    of one village and category as one problem (重复举报归并), so numbered complaints that must be
    different problems get different places, for up to 2,135 x 7 numbers in a row."""
    villages = zhangzhou_villages()
    i = villages.index(FIRST_VILLAGE) + n - 1
    return villages[i % len(villages)], CATEGORIES[(i // len(villages)) % len(CATEGORIES)]


def complaint(n: int, village: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid 12345 work order on a real village: a different problem for every `n` (see
    `numbered_place`), complaint 1 in 漳浦县杜浔镇林前村."""
    place, category = numbered_place(n)
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "external_ref": f"GD-{n:08d}",
        "place_code": village or place,
        "category": category,
        "description": f"第{n}号工单:村集体鱼塘承包合同到期后仍被占用,租金未收回。",
        "reporter": {"mode": "anonymous"},
    }
    body.update(overrides)
    return body
