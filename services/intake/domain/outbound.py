"""What of a complaint may leave intake 对外数据: text for events, scrubbed of reporter identity.

A reporter who types their own phone number or name into the description would otherwise put it
on Kafka. The lead builds `ComplaintReceived` from these helpers, never from the raw fields.
"""

from __future__ import annotations

from .complaint import Complaint
from .protection.redaction import redact


def reporter_values(complaint: Complaint) -> list[str]:
    """The reporter's own identifying values, for masking wherever they reappear."""
    reporter = complaint.reporter
    if reporter is None or reporter.contact is None:
        return []
    return reporter.contact.values()


def outbound_description(complaint: Complaint) -> str:
    return redact(complaint.description, reporter_values(complaint))


def outbound_meta(complaint: Complaint) -> dict[str, str]:
    known = reporter_values(complaint)
    return {key: redact(value, known) for key, value in complaint.channel_meta.items()}
