"""Every event payload that crosses a service boundary: the index of shared/events/payloads/.

A payload is a pydantic model with its CloudEvents `type` (versioned, past tense) and its topic,
defined in the module of the service that publishes it. Producers build the model and hand it to
the outbox; consumers get it back validated through `parse`. A payload that does not match its
model is malformed and goes to the dead-letter topic. No payload carries a reporter's identity:
only the opaque `reporter_ref` that intake issued.
"""

from __future__ import annotations

from pydantic import ValidationError

from shared.events.envelope import Envelope, MalformedEvent
from shared.events.payloads import intake, ledger, notify, pairing
from shared.events.payloads.base import PREFIX, AttachmentMeta, Payload, Place
from shared.events.payloads.intake import *  # noqa: F403 - the catalog re-exports every payload
from shared.events.payloads.ledger import *  # noqa: F403
from shared.events.payloads.notify import *  # noqa: F403
from shared.events.payloads.pairing import *  # noqa: F403

ALL_PAYLOADS: tuple[type[Payload], ...] = (
    intake.PAYLOADS + ledger.PAYLOADS + pairing.PAYLOADS + notify.PAYLOADS
)
BY_TYPE: dict[str, type[Payload]] = {p.TYPE: p for p in ALL_PAYLOADS}
assert len(BY_TYPE) == len(ALL_PAYLOADS), "two payloads share a CloudEvents type"

__all__ = ["ALL_PAYLOADS", "BY_TYPE", "PREFIX", "AttachmentMeta", "Payload", "Place", "parse"]
__all__ += [p.__name__ for p in ALL_PAYLOADS]
for _module in (intake, ledger, pairing, notify):
    __all__ += [n for n in dir(_module) if n[:1].isupper() and n not in __all__ and n != "PAYLOADS"]


def parse(envelope: Envelope) -> Payload:
    """The validated payload of a known event type; MalformedEvent otherwise."""
    model = BY_TYPE.get(envelope.type)
    if model is None:
        raise MalformedEvent("unknown_type", f"unknown event type {envelope.type!r}")
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedEvent(
            "schema_mismatch", exc.json(include_url=False, include_input=False)
        ) from exc
