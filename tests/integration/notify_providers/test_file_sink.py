"""The development file sink behaves like an idempotent provider, across restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.notify.adapters.providers.compose import compose
from services.notify.adapters.providers.file_sink import FileSinkProvider
from services.notify.domain.notification import Channel
from services.notify.domain.retry import SendOutcome
from tests.integration.notify_providers.helpers import reporter_notification


@pytest.mark.asyncio
async def test_writes_one_line_per_key_even_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "sms.jsonl"
    notice = reporter_notification(Channel.SMS)
    first = await FileSinkProvider(path, Channel.SMS).send(compose(notice, 1, to="13800000000"))
    # A new process (a new provider object) sees the key in the file.
    second = await FileSinkProvider(path, Channel.SMS).send(compose(notice, 2, to="13800000000"))
    assert (first.outcome, second.outcome) == (SendOutcome.ACCEPTED, SendOutcome.DUPLICATE)
    (line,) = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (record["key"], record["channel"], record["attempt"]) == (notice.key, "sms", 1)
    assert "已受理" in record["body"]


@pytest.mark.asyncio
async def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    path.write_text('{"key": "half', encoding="utf-8")
    notice = reporter_notification(Channel.SMS)
    result = await FileSinkProvider(path, Channel.SMS).send(compose(notice, 1, to="13800000000"))
    assert result.outcome is SendOutcome.ACCEPTED
    # The record after the torn line must still be found after a restart.
    again = await FileSinkProvider(path, Channel.SMS).send(compose(notice, 2, to="13800000000"))
    assert again.outcome is SendOutcome.DUPLICATE


@pytest.mark.asyncio
async def test_refuses_a_message_for_another_channel(tmp_path: Path) -> None:
    sink = FileSinkProvider(tmp_path / "mail.jsonl", Channel.EMAIL)
    with pytest.raises(ValueError):
        await sink.send(compose(reporter_notification(Channel.SMS), 1, to="13800000000"))
