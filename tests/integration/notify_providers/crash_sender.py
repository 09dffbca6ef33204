"""A one-notification sender that can be killed at the worst moment (run as a process).

It follows the delivery protocol the notify sender uses: store `sending` (with a lease)
before calling the provider, send with the notification key as idempotency key, then store
the outcome. With --kill-after-accept it SIGKILLs itself after the provider accepted and
before the outcome is stored. State is a pickle file standing in for the notifications table.

    python crash_sender.py --channel webhook|sms --url BASE --state FILE [--kill-after-accept]
                           [--clock-offset SECONDS]

Prints one JSON line: {"status": ..., "attempts": ..., "outcome": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from services.notify.adapters.providers.base import Provider
from services.notify.adapters.providers.compose import compose
from services.notify.adapters.providers.sms_gateway import HttpSmsGateway
from services.notify.adapters.providers.webhook import WebhookProvider
from services.notify.domain.delivery import Delivery, InvalidTransition
from services.notify.domain.notification import Channel
from services.notify.domain.retry import RetryPolicy
from tests.integration.notify_providers.helpers import (
    SECRET,
    reporter_notification,
    webhook_notification,
)
from tests.integration.notify_providers.servers import SmsGateway


def _save(path: Path, delivery: Delivery) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(delivery))
    os.replace(tmp, path)  # atomic, like a committed row


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channel", choices=["webhook", "sms"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--kill-after-accept", action="store_true")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    args = parser.parse_args()
    now = datetime.now(UTC) + timedelta(seconds=args.clock_offset)

    if args.channel == "webhook":
        notification = webhook_notification()
        to, secrets = f"{args.url}/hooks/crash", [SECRET]
    else:
        notification = reporter_notification(Channel.SMS)
        to, secrets = "13800000000", []

    delivery = (
        pickle.loads(args.state.read_bytes())
        if args.state.exists()
        else Delivery.new(notification, now)
    )
    try:
        delivery = delivery.start_attempt(now)
    except InvalidTransition as exc:
        print(
            json.dumps(
                {
                    "status": delivery.status.value,
                    "attempts": delivery.attempts,
                    "outcome": None,
                    "skipped": str(exc),
                }
            )
        )
        return
    _save(args.state, delivery)  # `sending` is durable before the provider hears of it

    async with httpx.AsyncClient(timeout=5.0) as client:
        provider: Provider = (
            WebhookProvider(client)
            if args.channel == "webhook"
            else HttpSmsGateway(client, args.url, api_key=SmsGateway.API_KEY)
        )
        message = compose(notification, delivery.attempts, to=to, signing_secrets=secrets)
        result = await provider.send(message)

    if args.kill_after_accept and result.outcome.succeeded:
        os.kill(os.getpid(), signal.SIGKILL)  # the provider has it; our status does not

    transition = delivery.record(result, delivery.attempts, now, RetryPolicy(), draw=0.5)
    _save(args.state, transition.delivery)
    print(
        json.dumps(
            {
                "status": transition.delivery.status.value,
                "attempts": transition.delivery.attempts,
                "outcome": result.outcome.value,
                "events": [type(e).__name__ for e in transition.events],
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
