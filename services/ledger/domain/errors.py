"""Domain errors: a machine-readable `code` plus a human `reason`.

The service layer maps the family to HTTP: `Conflict` (and `IllegalTransition`) -> 409,
`Forbidden` -> 403, `Invalid` -> 422. The domain itself knows nothing about HTTP.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every rule the ledger (问题台账) refuses."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class Conflict(LedgerError):
    """The request is well formed but the current state forbids it (HTTP 409)."""


class IllegalTransition(Conflict):
    """A command that the lifecycle does not allow from the current status."""

    def __init__(self, command: str, status: str, allowed_from: frozenset[str]) -> None:
        allowed = ", ".join(sorted(allowed_from)) or "no status"
        super().__init__(
            "illegal_transition",
            f"cannot {command} a problem that is {status}; allowed from: {allowed}",
        )
        self.command = command
        self.status = status


class Forbidden(LedgerError):
    """The actor may not do this (e.g. a reviewer from the problem's own town) (HTTP 403)."""


class Invalid(LedgerError):
    """The input itself is wrong, whatever the state (HTTP 422)."""


class CalendarOutOfRange(Invalid):
    """A date before the first year the holiday library knows: refuse rather than guess about
    the past (future years without data are estimated, see `workdays`)."""

    def __init__(self, year: int, first: int, last: int) -> None:
        super().__init__(
            "calendar_out_of_range",
            f"no official holiday data for {year}; working days are known for {first}-{last}",
        )
        self.year = year
