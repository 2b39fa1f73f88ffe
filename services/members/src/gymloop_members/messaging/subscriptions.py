"""Events this service consumes: the importer's rows, upserted by e-mail without any e-mail to the person."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_kit.errors import AppError
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.service import member_import

log = get_logger(__name__)

subscriptions = Subscriptions()


@subscriptions.on(MemberImportRequested)
async def on_member_import_requested(session: AsyncSession, event: MemberImportRequested, envelope: Envelope) -> None:
    """Create or overwrite the member, or refuse the row with one MemberImportRejected. The inbox makes a
    redelivery a no-op; a row refused before stays refused (the importer has already marked it failed)."""
    studio_id = envelope.studio_id
    if await member_import.was_refused(session, studio_id, event.row_id):
        log.info("import_row_already_refused", row=event.row_number, job=str(event.import_job_id))
        return
    try:
        # A SAVEPOINT: a refusal undoes whatever the upsert flushed, while the inbox record (written before
        # this handler) and the refusal commit. Only domain refusals (AppError) are caught: a bug or a
        # database failure propagates, so the consumer retries the message and then dead-letters it.
        async with session.begin_nested():
            await member_import.apply_row(session, studio_id, event, today=envelope.occurred_at.date())
    except AppError as error:
        await member_import.refuse_row(session, studio_id, event, error)
