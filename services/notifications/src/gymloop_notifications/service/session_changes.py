"""Telling the members booked on a moved or cancelled session, once each, in the app and by e-mail."""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope
from gymloop_contracts.events.bookings import SessionCancelled, SessionMoved
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.domain.audience import Channel, NamedMembers
from gymloop_notifications.domain.session_changes import SessionMove, cancelled_message, moved_message
from gymloop_notifications.service.messages import deliver
from gymloop_notifications.service.studios import ensure_studio

# The message of one event has an id derived from the event's, so the same event can never make two.
_MESSAGE_NAMESPACE = uuid.UUID("0d8f3a52-7c1e-4b9e-9a57-3c1f5e2b8d44")
SYSTEM_SENDER = uuid.UUID(int=0)  # the studio's own system, when the event names no staff member


async def tell_booked_members(session: AsyncSession, event: SessionMoved, envelope: Envelope) -> None:
    if not event.booked_member_ids:
        return
    config = await ensure_studio(session, envelope.studio_id)
    subject, body = moved_message(
        SessionMove(
            session_type_name=event.session_type_name,
            previous_starts_at=event.previous_starts_at,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            location_name=event.location_name,
            location_changed=event.location_id != event.previous_location_id,
            coach_changed=event.coach_id != event.previous_coach_id,
        ),
        config.zone,
    )
    await tell_members(session, envelope, event.booked_member_ids, subject, body, event.moved_by, "session_moved")


async def tell_refunded_members(session: AsyncSession, event: SessionCancelled, envelope: Envelope) -> None:
    if not event.refunded_member_ids:
        return
    config = await ensure_studio(session, envelope.studio_id)
    subject, body = cancelled_message(event.session_type_name, event.starts_at, event.reason, config.zone)
    await tell_members(session, envelope, event.refunded_member_ids, subject, body, None, "session_cancelled")


async def tell_members(
    session: AsyncSession,
    envelope: Envelope,
    member_ids: list[uuid.UUID],
    subject: str,
    body: str,
    sender: uuid.UUID | None,
    kind: str,
    *,
    required: bool = False,
) -> None:
    """One message of this event, in the app and by e-mail (`required`: despite opt-outs)."""
    config = await ensure_studio(session, envelope.studio_id)
    await deliver(
        session,
        envelope.studio_id,
        uuid.uuid5(_MESSAGE_NAMESPACE, str(envelope.event_id)),
        NamedMembers(frozenset(member_ids)),
        {"type": kind, f"{envelope.aggregate_type}_id": str(envelope.aggregate_id)},
        subject,
        body,
        [Channel.IN_APP, Channel.EMAIL],
        sender or SYSTEM_SENDER,
        config.today(envelope.occurred_at),
        required=required,
    )
