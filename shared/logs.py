"""JSON logs on stdout, one object per line, with the trace id and personal data masked.

Masking here is the last line of defence: intake never logs a reporter's contact details in the
first place, but a free-text description can contain a phone number or an ID number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime

from shared.tracing import current_traceparent, trace_id

# Not next to a hex digit: a number inside an id (a UUID's group, a hash) is not a phone or an ID
# number, and ids must stay searchable; any other neighbour (a letter, "+86-", Chinese) is.
_NB, _NA = r"(?<![0-9A-Fa-f])", r"(?![0-9A-Fa-f])"
_PATTERNS = (
    (re.compile(_NB + r"\d{17}[\dXx]" + _NA), "[身份证号]"),
    # Mobile numbers as people write them: +86 / 0086 / 86 prefixes, spaces or hyphens between groups.
    (re.compile(r"(?:(?:\+|%2B|00)?86[- ]?|" + _NB + r")1[3-9]\d[- ]?\d{4}[- ]?\d{4}" + _NA), "[手机号]"),
    (re.compile(_NB + r"0\d{2,3}-?\d{7,8}" + _NA), "[电话]"),
    # ASCII only: `\w` would swallow the Chinese text around an address.
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[邮箱]"),
)
_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def mask_personal_data(text: str) -> str:
    for pattern, label in _PATTERNS:
        text = pattern.sub(label, text)
    return text


def _mask_value(value: object) -> object:
    """Mask inside structured `extra` values too: a dict, a number or an exception can carry one."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        masked = mask_personal_data(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_mask_value(v) for v in value]
    # Strings, and anything else json.dumps would have turned into str() anyway.
    return mask_personal_data(str(value))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_personal_data(record.getMessage()),
        }
        tid = trace_id(current_traceparent.get())
        if tid:
            entry["trace_id"] = tid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _mask_value(value)
        if record.exc_info:
            entry["exc"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class RepeatSuppressor(logging.Filter):
    """Let one copy of a message through per window: a client library in a retry loop (aiokafka
    during a broker outage) can otherwise write tens of thousands of identical lines a second."""

    def __init__(self, window_seconds: float = 5.0) -> None:
        super().__init__()
        self.window = window_seconds
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("aiokafka", "kafka")):
            return True  # our own lines each say something different in their extras
        key = (record.name, record.getMessage())
        now = time.monotonic()
        if now - self._last.get(key, -self.window) < self.window:
            return False
        if len(self._last) > 10_000:
            self._last.clear()
        self._last[key] = now
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RepeatSuppressor())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request's full URL at INFO: a webhook endpoint's query token, the reporter
    # reference in a contact lookup. Our own lines name what was sent, without the URL.
    for noisy in ("aiokafka", "kafka", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel("WARNING")
    # uvicorn's own handlers would print plain text; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
