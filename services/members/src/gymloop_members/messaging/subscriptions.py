"""Events this service consumes: the importer's rows, upserted by e-mail without any e-mail to the person."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.service import members

log = get_logger(__name__)

subscriptions = Subscriptions()


@subscriptions.on(MemberImportRequested)
async def on_member_import_requested(session: AsyncSession, event: MemberImportRequested, envelope: Envelope) -> None:
    """Create or overwrite the member; the resulting MemberRegistered/MemberUpdated carries the import
    reference so the importer's saga can follow the row. The inbox makes a redelivery a no-op."""
    studio_id = envelope.studio_id
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
        session,
        studio_id,
        data,
        source="import",
        import_ref=ImportRef(import_job_id=event.import_job_id, row_number=event.row_number),
        today=envelope.occurred_at.date(),
    )
