"""Failpoints: named places where a test can make this process die on purpose.

`FAILPOINTS="consumer.after_db_commit=3"` kills the process with SIGKILL the third time that
point is reached. It is how the fault tests hit the worst moment exactly, instead of hoping a
timed kill lands there. Unset, a failpoint costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
import sys

_counts: dict[str, int] = {}


def _parse(spec: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, nth = part.partition("=")
        out[name] = int(nth or "1")
    return out


_armed = _parse(os.environ.get("FAILPOINTS", ""))


def failpoint(name: str) -> None:
    nth = _armed.get(name)
    if nth is None:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] == nth:
        sys.stderr.write(f"failpoint {name} hit #{nth}: killing process {os.getpid()}\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
