"""The importer's rows: upsert the person by e-mail, or refuse the row once with a reason the studio can act on.

A refusal writes nothing of the person (the caller runs `apply_row` in a SAVEPOINT) but records the row and
queues one MemberImportRejected, so the importer's saga marks the row failed instead of waiting for it.
"""

from __future__ import annotations

import uuid
from datetime import date

from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_contracts.events.members import MemberImportRejected
from gymloop_kit.errors import AppError, NotFound
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import ImportRowRejection, Studio
from gymloop_members.domain.member_import import refusal_of
from gymloop_members.service import members

log = get_logger(__name__)


def import_ref_of(event: MemberImportRequested) -> ImportRef:
    return ImportRef(import_job_id=event.import_job_id, row_number=event.row_number)


async def was_refused(session: AsyncSession, studio_id: uuid.UUID, row_id: str) -> bool:
    found = await session.scalar(
        select(ImportRowRejection.row_id).where(
            ImportRowRejection.studio_id == studio_id, ImportRowRejection.row_id == row_id
        )
    )
    return found is not None


async def apply_row(session: AsyncSession, studio_id: uuid.UUID, event: MemberImportRequested, *, today: date) -> None:
    """Create or overwrite the member; the resulting MemberRegistered/MemberUpdated carries the import
    reference. Raises AppError (or a members domain error) when the row is refused."""
    if await session.get(Studio, studio_id) is None:
        raise NotFound(
            f"the import was sent for studio {studio_id}, which does not exist", code="studio_unknown", field=None
        )
    responsible = None
    if event.responsible_employee_email:
        employee = await members.find_staff_by_email(session, studio_id, event.responsible_employee_email)
        if employee is None:
            # The importer validated the file; an employee archived since then must not fail the row.
            log.warning("import_responsible_unknown", row=event.row_number, job=str(event.import_job_id))
        else:
            responsible = employee.id
    data = members.UpsertData(
        email=event.email,
        first_name=event.first_name,
        last_name=event.last_name,
        start_date=event.start_date,
        phone=event.phone,
        birth_date=event.birth_date,
        address=event.address,
        responsible_employee_id=responsible,
        tag_names=list(event.tags),
        is_employee=event.is_employee,
    )
    await members.upsert_by_email(
        session, studio_id, data, source="import", import_ref=import_ref_of(event), today=today
    )


async def refuse_row(
    session: AsyncSession, studio_id: uuid.UUID, event: MemberImportRequested, error: AppError
) -> None:
    """Record the refusal and queue its MemberImportRejected, once per row."""
    refusal = refusal_of(code=error.code, field=error.field, message=error.message, row_number=event.row_number)
    inserted = await session.scalar(
        pg_insert(ImportRowRejection)
        .values(
            studio_id=studio_id,
            row_id=event.row_id,
            email=event.email,
            code=refusal.code,
            field=refusal.field,
            message=refusal.message,
        )
        .on_conflict_do_nothing(index_elements=[ImportRowRejection.studio_id, ImportRowRejection.row_id])
        .returning(ImportRowRejection.row_id)
    )
    if inserted is None:
        return
    log.info("import_row_refused", row=event.row_number, job=str(event.import_job_id), code=refusal.code)
    rejected = MemberImportRejected(
        row_id=event.row_id,
        import_ref=import_ref_of(event),
        email=event.email,
        code=refusal.code,
        field=refusal.field,
        message=refusal.message,
    )
    await add_event(session, rejected, studio_id=studio_id)
