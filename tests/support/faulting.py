"""Arming failpoints in one service of a running stack, and waiting for it to die there."""

from __future__ import annotations

import signal
from dataclasses import dataclass

from deploy.local.stack import ServiceProcess, Stack


@dataclass
class Armed:
    svc: ServiceProcess
    failpoint: str
    log_offset: int  # the service log is appended across restarts: only what follows counts

    def wait_killed(self, timeout: float = 60.0) -> None:
        """The process died by SIGKILL from this failpoint, not of anything else."""
        svc = self.svc
        code = svc.wait_exit(timeout)
        assert code is not None, f"{svc.name} did not reach failpoint {self.failpoint} within {timeout}s"
        assert code == -signal.SIGKILL, f"{svc.name} exited with {code}, not SIGKILL; see {svc.log_path}"
        with svc.log_path.open("rb") as fh:
            fh.seek(self.log_offset)
            tail = fh.read().decode("utf-8", "replace")
        assert f"failpoint {self.failpoint} hit" in tail, f"{svc.name} died elsewhere; see {svc.log_path}"


def arm(stack: Stack, service: str, failpoint: str, nth: int = 1) -> Armed:
    """Restart `service` (or `<service>-relay`) so that it SIGKILLs itself the `nth` time it
    reaches `failpoint`."""
    svc = stack.process(service)
    offset = svc.log_path.stat().st_size if svc.log_path.exists() else 0
    stack.restart(service, extra_env={"FAILPOINTS": f"{failpoint}={nth}"})
    return Armed(svc, failpoint, offset)


def revive(stack: Stack, service: str) -> None:
    """Start the service again, without failpoints (whatever state it was left in)."""
    svc = stack.process(service)
    if svc.alive():
        svc.kill(signal.SIGTERM)
    svc.start()
    svc.wait_ready()
