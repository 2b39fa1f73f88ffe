"""Telling the members booked on a moved session, once each, in the app and by e-mail."""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope
from gymloop_contracts.events.bookings import SessionMoved
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.domain.audience import Channel, NamedMembers
from gymloop_notifications.domain.session_changes import SessionMove, moved_message
from gymloop_notifications.service.messages import deliver
from gymloop_notifications.service.studios import ensure_studio

# The message of one SessionMoved has an id derived from the event's, so the same event can never make two.
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
    await deliver(
        session,
        envelope.studio_id,
        uuid.uuid5(_MESSAGE_NAMESPACE, str(envelope.event_id)),
        NamedMembers(frozenset(event.booked_member_ids)),
        {"type": "session_moved", "session_id": str(event.session_id)},
        subject,
        body,
        [Channel.IN_APP, Channel.EMAIL],
        event.moved_by or SYSTEM_SENDER,
        config.today(envelope.occurred_at),
    )
