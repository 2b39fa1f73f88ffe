"""Moving one session: a new local day and start, duration, coach or location."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import LocationRow
from gymloop_bookings.db.repository import BookingStore
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.schedules import local_to_utc
from gymloop_bookings.domain.session_moves import KEEP, Keep, SessionChange, change_session
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.service.coaches import require_coach
from gymloop_bookings.service.gates import session_gate
from gymloop_bookings.service.outcomes import names, not_found, publish


async def move_session(
    db: AsyncSession,
    studio_id: uuid.UUID,
    session_id: uuid.UUID,
    actor: Actor,
    now: datetime,
    *,
    day: date | None = None,
    start_time: time | None = None,
    duration: timedelta | None = None,
    location_id: uuid.UUID | None = None,
    coach_id: uuid.UUID | Keep | None = KEEP,
) -> Session:
    """Move the session; the members booked on it are told (SessionMoved) and may sign out without the late-cancel
    rule. The day and start are studio-local; either one left out stays as it is."""
    async with session_gate(session_id):
        store = BookingStore(db)
        roster = await store.roster(studio_id, session_id)
        if roster is None:
            raise not_found("session", "session_id")
        if location_id is not None:
            place = await db.get(LocationRow, location_id)
            if place is None or place.studio_id != studio_id:
                raise not_found("location", "location_id")
        if not isinstance(coach_id, Keep) and coach_id != roster.session.coach_id:
            await require_coach(db, studio_id, coach_id)
        policy = await store.policy(studio_id)
        current = roster.session.starts_at.astimezone(policy.zone)
        starts_at = local_to_utc(day or current.date(), start_time or current.time().replace(tzinfo=None), policy.zone)
        change = SessionChange(
            starts_at=starts_at,
            duration=duration or KEEP,
            location_id=location_id or KEEP,
            coach_id=coach_id,
        )
        change_session(roster, change, policy, actor, now)
        await store.save()
        await publish(db, studio_id, roster.events, await names(db, studio_id))
        roster.events.clear()
        return roster.session
