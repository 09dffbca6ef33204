"""Reporter protection 举报人保护: seal identity, issue query codes, hand out only opaque refs.

`protect_reporter` runs once at acceptance. Its result is what intake stores; the only value that
ever leaves intake (events, ledger, Open311) is `reporter_ref`, a random token that says nothing
about who the reporter is. Contact details are opened only through `open_contact`, and every
such read must be written to the audit table by the caller (see `PersonalDataRead`).
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..vocabulary import ReporterMode
from .contact import ContactDetails, ReporterIn
from .query_code import QueryCodeHasher, new_query_code
from .sealing import KeyRing, key_id_of, seal, unseal

_AAD_PREFIX = b"intake.contact.v1|"


def new_reporter_ref(rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """`rp_` + 128 random bits; never derived from identity, so it cannot be reversed or joined."""
    return "rp_" + base64.b32encode(rng(16)).decode().rstrip("=").lower()


def contact_aad(reporter_ref: str) -> bytes:
    return _AAD_PREFIX + reporter_ref.encode("ascii")


@dataclass(frozen=True)
class ProtectedReporter:
    """What intake stores about a reporter (the `reporters` row)."""

    reporter_ref: str
    mode: ReporterMode
    sealed_contact: bytes | None = field(default=None, repr=False)
    query_code_digest: str | None = None

    @property
    def contact_key_id(self) -> str | None:
        return key_id_of(self.sealed_contact) if self.sealed_contact else None


@dataclass(frozen=True)
class Protection:
    """The stored reporter plus the query code to show once (it is never stored in clear)."""

    reporter: ProtectedReporter
    query_code: str | None = field(default=None, repr=False)


def protect_reporter(
    reporter: ReporterIn,
    *,
    keys: KeyRing,
    codes: QueryCodeHasher,
    rng: Callable[[int], bytes] = os.urandom,
) -> Protection:
    ref = new_reporter_ref(rng)
    sealed = None
    if reporter.contact is not None and not reporter.contact.is_empty():
        plaintext = reporter.contact.model_dump_json(exclude_none=True).encode()
        sealed = seal(plaintext, keys, aad=contact_aad(ref), rng=rng)
    code = None
    digest = None
    if reporter.mode is ReporterMode.ANONYMOUS:
        # Only the anonymous have no other way back to their case.
        code = new_query_code(rng)
        digest = codes.digest(code)
    return Protection(ProtectedReporter(ref, reporter.mode, sealed, digest), code)


def open_contact(stored: ProtectedReporter, keys: KeyRing) -> ContactDetails | None:
    """Contact details in clear, for the scoped notify endpoint only; audit every call."""
    if stored.sealed_contact is None:
        return None
    plaintext = unseal(stored.sealed_contact, keys, aad=contact_aad(stored.reporter_ref))
    return ContactDetails.model_validate_json(plaintext)


class ReadPurpose(StrEnum):
    """Why personal data was read 查阅事由; anything else is refused by the endpoint."""

    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理告知
    RESULT_NOTICE = "result_notice"  # 处理结果反馈
    SATISFACTION_SURVEY = "satisfaction_survey"  # 满意度回访
    APPROVED_DISCLOSURE = "approved_disclosure"  # 经批准的身份核实


@dataclass(frozen=True, slots=True)
class PersonalDataRead:
    """One audit row 个人信息查阅记录: who read whose contact, why, when, which fields."""

    reporter_ref: str
    reader: str  # calling system or officer id from the auth token
    purpose: ReadPurpose
    fields: tuple[str, ...]
    at: datetime
