"""Kill the sender between the provider's accept and the status write: still one send per key.

The sender runs as a real process and SIGKILLs itself at that point. A restarted sender
takes the abandoned attempt over once the lease has run out, sends again with the same key,
the provider answers "duplicate", and the notification ends delivered - with exactly one
effect at the provider.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from services.notify.domain.delivery import DEFAULT_LEASE, Delivery, DeliveryStatus
from services.notify.domain.notification import Channel
from tests.integration.notify_providers.helpers import (
    SECRET,
    reporter_notification,
    webhook_notification,
)
from tests.integration.notify_providers.servers import FarSide

SCRIPT = Path(__file__).with_name("crash_sender.py")
ROOT = Path(__file__).resolve().parents[3]


def run_sender(
    channel: str, far: FarSide, state: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--channel",
            channel,
            "--url",
            far.url,
            "--state",
            str(state),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize("channel", ["webhook", "sms"])
def test_kill_after_accept_still_sends_once(channel: str, far: FarSide, tmp_path: Path) -> None:
    far.receiver.secrets["crash"] = [SECRET]
    side = far.receiver if channel == "webhook" else far.gateway
    key = (
        webhook_notification() if channel == "webhook" else reporter_notification(Channel.SMS)
    ).key
    state = tmp_path / "delivery.pickle"

    killed = run_sender(channel, far, state, "--kill-after-accept")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stuck: Delivery = pickle.loads(state.read_bytes())
    assert (stuck.status, stuck.attempts) == (DeliveryStatus.SENDING, 1)
    assert side.effects == {key: 1}

    # Before the lease ends, a restarted sender leaves the attempt alone.
    early = run_sender(channel, far, state)
    assert early.returncode == 0, early.stderr
    assert json.loads(early.stdout)["outcome"] is None
    assert len(side.requests) == 1

    lease = str(DEFAULT_LEASE.total_seconds() + 1)
    resumed = run_sender(channel, far, state, "--clock-offset", lease)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == {
        "status": "delivered",
        "attempts": 2,
        "outcome": "duplicate",
        "events": ["NotificationDelivered"],
    }

    finished = run_sender(channel, far, state, "--clock-offset", lease)
    assert json.loads(finished.stdout)["status"] == "delivered"

    assert len(side.requests) == 2  # the original and the one taken-over attempt
    assert side.effects == {key: 1}  # exactly one send per key at the provider
    if channel == "webhook":
        assert far.receiver.rejections == []
