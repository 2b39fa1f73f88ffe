"""Events billing consumes: the members read model (start date for subscription checks, names for SEPA), the
studio's time zone (its local day), and the import saga (the importer's rows and members' confirmations)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_contracts.events.members import (
    MemberArchived,
    MemberImportRejected,
    MemberRegistered,
    MemberUnarchived,
    MemberUpdated,
    StudioUpdated,
)
from gymloop_kit import studio_clock
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.service import imports, members

CONSUMER = "billing"
subscriptions = Subscriptions(consumer=CONSUMER)


@subscriptions.on(MemberRegistered, MemberUpdated, newest_only=True)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    await members.upsert_member(session, envelope.studio_id, event)


@subscriptions.on(MemberRegistered, MemberUpdated)
async def on_imported_member(
    session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope
) -> None:
    if event.import_ref is not None:
        # An older profile event still confirms its import row: the member id is what the row needs.
        await imports.record_member(session, envelope.studio_id, event.import_ref, event.member_id)


@subscriptions.on(MemberArchived, newest_only=True)
async def on_member_archived(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    await members.set_member_status(session, envelope.studio_id, event.member_id, "archived")


@subscriptions.on(MemberUnarchived, newest_only=True)
async def on_member_unarchived(session: AsyncSession, event: MemberUnarchived, envelope: Envelope) -> None:
    await members.set_member_status(session, envelope.studio_id, event.member_id, "active")


@subscriptions.on(StudioUpdated, newest_only=True)
async def on_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> None:
    await studio_clock.follow_studio_updated(session, event, envelope)


@subscriptions.on(MemberImportRequested)
async def on_member_import_requested(session: AsyncSession, event: MemberImportRequested, envelope: Envelope) -> None:
    # The import day (the mandate's date of signature) is the request's own time, as a day in the studio's zone;
    # only the first delivery stores it.
    import_day = await studio_clock.day_at(session, envelope.studio_id, envelope.occurred_at)
    await imports.record_request(session, envelope.studio_id, event, import_day)


@subscriptions.on(MemberImportRejected)
async def on_member_import_rejected(session: AsyncSession, event: MemberImportRejected, envelope: Envelope) -> None:
    await imports.record_member_refused(session, envelope.studio_id, event)
