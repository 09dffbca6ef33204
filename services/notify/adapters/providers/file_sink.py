"""Local file sink for development (本地文件): one JSON line per message, deduplicated by key.

Stands in for any channel (pass the channel it replaces). It behaves like a provider with
idempotency keys: a key already in the file answers "duplicate", so the sent-once path can
be exercised on a laptop. Not for production: it keeps addresses and texts in clear.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from services.notify.adapters.providers.base import OutboundMessage, check_channel
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendResult


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FileSinkProvider:
    def __init__(
        self, path: Path, channel: Channel, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._path = path
        self._channel = channel
        self._clock = clock
        self._keys: set[str] | None = None
        self._lock = asyncio.Lock()

    @property
    def channel(self) -> Channel:
        return self._channel

    def _load_keys(self) -> set[str]:
        if not self._path.exists():
            return set()
        keys = set()
        with self._path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    keys.add(json.loads(line)["key"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a crash mid-write holds no message
        return keys

    def _append(self, record: dict[str, object]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._path.open("a+b") as sink:
            if sink.seek(0, os.SEEK_END) > 0:
                sink.seek(-1, os.SEEK_END)
                if sink.read(1) != b"\n":
                    line = b"\n" + line  # start clean after a line torn by a crash
            sink.write(line)
            sink.flush()
            os.fsync(sink.fileno())

    async def send(self, message: OutboundMessage) -> SendResult:
        check_channel(self, message)
        async with self._lock:
            if self._keys is None:
                self._keys = await asyncio.to_thread(self._load_keys)
            if message.key in self._keys:
                return SendResult.duplicate(provider_ref=message.key)
            record: dict[str, object] = {
                "key": message.key,
                "channel": message.channel.value,
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "attempt": message.attempt,
                "written_at": self._clock().isoformat(),
            }
            await asyncio.to_thread(self._append, record)
            self._keys.add(message.key)
        return SendResult.accepted(provider_ref=message.key)
