"""What billing did with an import's rows (the import saga): created, kept, refused and why."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.http.pagination import Page, Paging
from pydantic import BaseModel

from gymloop_billing.service import imports

router = APIRouter(tags=["imports"])


class ImportRowOut(BaseModel):
    row_number: int
    email: str | None
    member_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    plan_name: str | None
    status: str
    subscription_id: uuid.UUID | None
    reason_code: str | None
    reason: str | None


@router.get(
    "/imports/{import_job_id}/rows",
    operation_id="listImportRows",
    summary="Billing's outcome per import row: waiting, activated, kept, refused or member_refused (with the reason), "
    "no_subscription",
)
async def import_rows(import_job_id: uuid.UUID, principal: Staff, session: Session, page: Paging) -> Page[ImportRowOut]:
    """Staff only. For each row of an import job that reached billing, by row number: its state and, when refused,
    the reason, so the importer can show what to change."""
    rows, total = await imports.import_rows(session, principal.studio_id, import_job_id, page)
    return Page.of([ImportRowOut(**vars(row)) for row in rows], total, page)
