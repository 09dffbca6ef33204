"""Notices kept for reporters who stay anonymous (查询码查阅): intake shows them on the
query-code page. Nothing here is pushed; the reporter ref is the only key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.notify.adapters.tables import notices
from services.notify.entrypoints.http.deps import REF_PATTERN, NoticeReader, Services

router = APIRouter(tags=["notices 查询码告知"])


class NoticeOut(BaseModel):
    key: str
    complaint_id: str | None
    template_id: str
    title: str
    body: str
    due_by: date | None
    created_at: datetime


@router.get("/notices", summary="Notices for one reporter, oldest first (受理告知、结果告知)")
async def list_notices(
    _: NoticeReader,
    services: Services,
    reporter_ref: Annotated[str, Query(pattern=REF_PATTERN)],
) -> dict[str, list[NoticeOut]]:
    async with services.sessions() as session:
        rows = (await session.execute(
            sa.select(notices).where(notices.c.reporter_ref == reporter_ref)
            .order_by(notices.c.created_at, notices.c.key)
        )).mappings().all()
    return {"items": [NoticeOut(**{k: r[k] for k in NoticeOut.model_fields}) for r in rows]}
