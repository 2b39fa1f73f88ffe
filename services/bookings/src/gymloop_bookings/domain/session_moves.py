"""Staff change a planned session: its time, coach, location, capacity or type. A change of time, coach or
location is a move: the booked members are told (SessionMoved) and may sign out without the late-cancel rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from gymloop_kit.errors import Conflict, InvalidInput

from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.events import SessionMoved
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster


class Keep(Enum):
    """The type of KEEP."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP  # "leave this as it is", so None can mean "no coach"


@dataclass(frozen=True, slots=True)
class SessionChange:
    """What to change on a session; KEEP (the default) leaves a value as it is."""

    starts_at: datetime | Keep = KEEP
    duration: timedelta | Keep = KEEP
    location_id: uuid.UUID | Keep = KEEP
    coach_id: uuid.UUID | Keep | None = KEEP
    capacity: int | Keep = KEEP
    session_type_id: uuid.UUID | Keep = KEEP


def require_changeable(roster: SessionRoster, now: datetime) -> None:
    session = roster.session
    if session.is_cancelled:
        raise Conflict("the session is cancelled: it cannot be changed", code="session_cancelled", field="session_id")
    if session.has_ended or session.starts_at <= now:
        raise Conflict(
            "the session has started or taken place: it cannot be changed", code="session_started", field="session_id"
        )


def change_session(
    roster: SessionRoster, change: SessionChange, policy: BookingPolicy, actor: Actor, now: datetime
) -> SessionMoved | None:
    """Apply the change to a session that has not started. Returns the move when the time, coach or location
    changed (the event is also on the roster), None when only capacity or type changed or nothing did.

    Capacity never drops below the places booked; the use case offers added places to the waitlist.
    """
    require_changeable(roster, now)
    session = roster.session
    starts_at = session.starts_at if isinstance(change.starts_at, Keep) else change.starts_at
    duration = session.duration if isinstance(change.duration, Keep) else change.duration
    if duration <= timedelta(0):
        raise InvalidInput("duration must be positive", code="duration_invalid", field="duration_minutes")
    if starts_at <= now:
        raise InvalidInput(
            f"the new start {starts_at.astimezone(policy.zone):%Y-%m-%d %H:%M} ({policy.time_zone}) is not after now: "
            "a session cannot be moved into the past",
            code="session_in_past",
            field="start_time",
        )
    location_id = session.location_id if isinstance(change.location_id, Keep) else change.location_id
    coach_id = session.coach_id if isinstance(change.coach_id, Keep) else change.coach_id
    if not isinstance(change.capacity, Keep):
        roster.change_capacity(change.capacity)
    if not isinstance(change.session_type_id, Keep):
        session.session_type_id = change.session_type_id
    ends_at = starts_at + duration
    moved = (starts_at, ends_at, location_id, coach_id) != (
        session.starts_at,
        session.ends_at,
        session.location_id,
        session.coach_id,
    )
    if not moved:
        return None
    event = SessionMoved(
        session_id=session.session_id,
        studio_id=session.studio_id,
        session_type_id=session.session_type_id,
        starts_at=starts_at,
        ends_at=ends_at,
        location_id=location_id,
        coach_id=coach_id,
        previous_starts_at=session.starts_at,
        previous_ends_at=session.ends_at,
        previous_location_id=session.location_id,
        previous_coach_id=session.coach_id,
        booked_member_ids=tuple(b.member_id for b in roster.active_bookings),
        moved_by=actor.actor_id,
    )
    session.starts_at, session.ends_at = starts_at, ends_at
    session.location_id, session.coach_id = location_id, coach_id
    session.moved_at = now
    for booking in roster.active_bookings:
        # The booking's copy of the session's time drives weekly limits, overlaps and the member's agenda.
        booking.session_starts_at, booking.session_ends_at = starts_at, ends_at
        booking.session_local_date = policy.local_date(starts_at)
    roster.events.append(event)
    return event
