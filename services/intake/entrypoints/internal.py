"""Internal, scoped: a reporter's contact details for notify at send time (举报人联系方式).

Only callers holding `reporters:contact:read` (the notify service) may ask, each read names its
purpose, and every read is written to the personal-data audit in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from services.intake.domain.protection.reporter import ReadPurpose
from services.intake.entrypoints.context import intake
from services.intake.entrypoints.limits import gate
from services.intake.service_layer.contact import read_contact
from shared.http.auth import Caller
from shared.http.errors import ApiError

router = APIRouter(prefix="/internal", tags=["internal 内部接口"])
ContactReader = Annotated[Caller, Depends(gate("reporters:contact:read"))]


class Contact(BaseModel):
    name: str | None
    phone: str | None
    email: str | None


@router.get(
    "/reporters/{reporter_ref}/contact",
    response_model=Contact,
    summary="A reporter's contact details, audited (举报人联系方式, 留痕查阅)",
)
async def reporter_contact(
    request: Request,
    caller: ContactReader,
    reporter_ref: Annotated[str, Path(min_length=4, max_length=64, pattern=r"^rp_[a-z0-9]+$")],
    purpose: Annotated[ReadPurpose, Query(description="查阅事由")],
) -> Contact:
    ctx = intake(request)
    async with ctx.sessions() as session, session.begin():
        contact = await read_contact(session, reporter_ref, reader=caller.name, purpose=purpose,
                                     keys=ctx.protector.keys, now=datetime.now(UTC))
    if contact is None:
        raise ApiError(404, "reporter_not_found", "no reporter with this reference")
    return Contact(**contact.as_dict())
