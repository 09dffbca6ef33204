"""Open311 errors: a list of `{code, description}` (the spec's `<errors><error>`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import FieldError
from ..validation import rename_path


@dataclass(frozen=True, slots=True)
class Open311Error:
    code: int  # the HTTP status, as the spec's examples use it (400, 403, 404)
    description: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "description": self.description}


class Open311Rejected(Exception):
    def __init__(self, errors: Iterable[Open311Error]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(e.description for e in self.errors))

    @property
    def status(self) -> int:
        """The HTTP status of the response: the first error's code."""
        return self.errors[0].code if self.errors else 400

    def as_body(self) -> list[dict[str, object]]:
        return [e.as_dict() for e in self.errors]


def from_field_errors(errors: Iterable[FieldError], field_map: Mapping[str, str]) -> Open311Rejected:
    """Our 422 errors in Open311 form: code 400, `<open311 field>: <message> [<our code>]`."""
    return Open311Rejected(
        Open311Error(400, f"{rename_path(e.field, field_map)}: {e.message} [{e.code.value}]")
        for e in errors
    )
