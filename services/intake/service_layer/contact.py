"""Reading a reporter's contact details 举报人联系方式查阅: scoped, with a purpose, always audited.

The audit row is written in the same transaction as the read, so there is no read without its
record; a lookup of an unknown reference is recorded too (found = false), since probing for
references is itself worth seeing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import personal_data_reads, reporters
from services.intake.domain.protection.reporter import (
    PersonalDataRead,
    ProtectedReporter,
    ReadPurpose,
    open_contact,
)
from services.intake.domain.protection.sealing import KeyRing
from services.intake.domain.vocabulary import ReporterMode

SHARED_FIELDS = ("name", "phone", "email")  # what notify may have; never the ID number or address


@dataclass(frozen=True)
class ContactForNotice:
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "phone": self.phone, "email": self.email}


async def read_contact(
    session: AsyncSession, reporter_ref: str, *, reader: str, purpose: ReadPurpose, keys: KeyRing,
    now: datetime,
) -> ContactForNotice | None:
    row = (await session.execute(
        sa.select(reporters).where(reporters.c.reporter_ref == reporter_ref))).first()
    contact = ContactForNotice()
    if row is not None and row.sealed_contact is not None:
        stored = ProtectedReporter(row.reporter_ref, ReporterMode(row.mode), bytes(row.sealed_contact))
        opened = open_contact(stored, keys)
        if opened is not None:
            contact = ContactForNotice(opened.name, opened.phone, opened.email)
    given = tuple(f for f in SHARED_FIELDS if getattr(contact, f))
    audit = PersonalDataRead(reporter_ref, reader, purpose, given, now)
    await session.execute(personal_data_reads.insert().values(
        reporter_ref=audit.reporter_ref, reader=audit.reader, purpose=audit.purpose.value,
        fields=list(audit.fields), found=row is not None, at=audit.at))
    return contact if row is not None else None
