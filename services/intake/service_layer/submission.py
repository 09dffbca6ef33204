"""A submission 受理请求: everything one request (or one bulk row) asks intake to store, prepared.

Preparation (validation, reporter protection, outbound text) is CPU work done in the request
before it joins a group commit, so that a batch holds only submissions that can be stored; the
batch itself decides what needs the database: idempotency claims and duplicate clustering.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.intake.domain.channels import VisitRecord
from services.intake.domain.clustering import ReportFacts
from services.intake.domain.complaint import Complaint
from services.intake.domain.idempotency import header_key
from services.intake.domain.outbound import outbound_description
from services.intake.domain.protection.query_code import QueryCodeHasher
from services.intake.domain.protection.reporter import (
    ProtectedReporter,
    new_reporter_ref,
    protect_reporter,
)
from services.intake.domain.protection.sealing import KeyRing
from shared.tracing import current_traceparent

# Institutional channels (巡察, a visit problem nobody put their name to) have no reporter to
# protect; the complaint still gets an opaque ref so every event has the same shape.
INSTITUTIONAL = "institutional"


@dataclass(frozen=True)
class Protector:
    """The keys reporter protection needs: a sealing ring and a query-code hasher."""

    keys: KeyRing
    codes: QueryCodeHasher


@dataclass(frozen=True)
class PreparedComplaint:
    complaint_id: str
    complaint: Complaint
    reporter_ref: str
    reporter: ProtectedReporter | None  # None: an institutional channel, nobody to protect
    query_code: str | None = field(repr=False)
    description: str  # outbound: what the ledger and the candidate query see
    facts: ReportFacts

    @property
    def reporter_mode(self) -> str:
        return self.reporter.mode.value if self.reporter else INSTITUTIONAL


@dataclass(frozen=True)
class Submission:
    caller: str
    complaints: tuple[PreparedComplaint, ...]
    visit_id: str | None = None
    visit: VisitRecord | None = None
    header_key: str | None = None  # `hd1:` of the caller's Idempotency-Key
    fingerprint: str | None = None  # of the request body, checked against a reused header key
    traceparent: str | None = None  # the request's trace, carried onto its events
    # (key, kind), the strongest first: an exact retry, then the visit log, then each complaint's
    # channel + external reference. Derived once: every key is a hash.
    claim_keys: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        keys = [(self.header_key, "header")] if self.header_key else []
        if self.visit is not None:
            keys.append((self.visit.idempotency_key, "visit"))
        keys += [(k, "channel") for p in self.complaints if (k := p.complaint.idempotency_key)]
        object.__setattr__(self, "claim_keys", tuple(keys))

    def same_request(self, other: Submission) -> bool:
        """A retry of `other`: the same caller, the same keys and (with an Idempotency-Key) the
        same body. Two of these in one batch get one answer; anything else sharing a key waits."""
        return (self.caller, self.claim_keys, self.fingerprint) == (
            other.caller, other.claim_keys, other.fingerprint)


@dataclass(frozen=True)
class StoredComplaint:
    complaint_id: str
    problem_key: str
    duplicate_of: str | None = None
    query_code: str | None = field(default=None, repr=False)  # only when just created


@dataclass(frozen=True)
class Stored:
    """Accepted: `created` False means an earlier request already stored it (a retry)."""

    created: bool
    complaints: tuple[StoredComplaint, ...]
    visit_id: str | None = None


@dataclass(frozen=True)
class Refused:
    """Not stored, with the HTTP status and machine-readable code the caller gets."""

    status: int
    code: str
    message: str


Outcome = Stored | Refused


def prepare_complaint(complaint: Complaint, protector: Protector) -> PreparedComplaint:
    reporter: ProtectedReporter | None = None
    code = None
    if complaint.reporter is not None:
        protection = protect_reporter(complaint.reporter, keys=protector.keys, codes=protector.codes)
        reporter, code = protection.reporter, protection.query_code
    ref = reporter.reporter_ref if reporter else new_reporter_ref()
    description = outbound_description(complaint)
    subject = complaint.subject
    facts = ReportFacts.of(
        complaint.place, complaint.category, description, complaint.received_at,
        subject.name if subject else None, subject.unit if subject else None,
    )
    return PreparedComplaint(str(uuid.uuid4()), complaint, ref, reporter, code, description, facts)


def prepare(
    caller: str,
    complaints: Sequence[Complaint],
    protector: Protector,
    *,
    visit: VisitRecord | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> Submission:
    return Submission(
        caller=caller,
        complaints=tuple(prepare_complaint(c, protector) for c in complaints),
        visit_id=str(uuid.uuid4()) if visit is not None else None,
        visit=visit,
        header_key=header_key(caller, idempotency_key) if idempotency_key else None,
        fingerprint=fingerprint,
        traceparent=current_traceparent.get(),
    )
