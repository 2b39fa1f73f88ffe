"""Attendance: desk check-in, the cosmetic 'present' toggle, and recording attendance when a session ends.

Seed 002: the people on the attendance list are assumed present; the list is what counts. Where the studio
uses check-in, booked members who never checked in are still recorded, flagged as no-show.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from gymloop_kit.errors import Conflict

from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.events import AttendanceRecorded
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import SessionStatus
from gymloop_bookings.domain.waitlist import WaitlistStatus


def _listed_booking(roster: SessionRoster, member_id: uuid.UUID) -> Booking:
    booking = next((b for b in roster.active_bookings if b.member_id == member_id), None)
    if booking is None:
        raise Conflict(
            "the member is not on the attendance list: sign them up first so their session is taken",
            code="not_booked",
            field="member_id",
        )
    return booking


def check_in(roster: SessionRoster, member_id: uuid.UUID, now: datetime) -> Booking:
    """Record arrival at the desk; a second check-in keeps the first arrival time."""
    session = roster.session
    if session.is_cancelled or session.has_ended:
        raise Conflict("the session is cancelled or over: no check-in", code="session_closed", field="session_id")
    booking = _listed_booking(roster, member_id)
    if booking.checked_in_at is None:
        booking.checked_in_at = now
    # Reading the gym card marks the member present in the list (seed 002); the flag stays cosmetic.
    booking.marked_present = True
    return booking


def toggle_present(roster: SessionRoster, member_id: uuid.UUID) -> Booking:
    """Flip the 'Present' button: it changes its colour only, nothing else (seed 002)."""
    booking = _listed_booking(roster, member_id)
    booking.marked_present = not booking.marked_present
    return booking


def end_session(
    roster: SessionRoster,
    accounts: Mapping[uuid.UUID, MemberAccount],
    policy: BookingPolicy,
    now: datetime,
) -> list[Booking]:
    """Record attendance for everyone on the list; their held credits are used. Returns the attendees."""
    session = roster.session
    if session.is_cancelled:
        raise Conflict("a cancelled session has no attendance", code="session_cancelled", field="session_id")
    if session.has_ended:
        raise Conflict("attendance was already recorded", code="session_ended", field="session_id")
    if now < session.ends_at:
        raise Conflict(
            "the session has not ended yet: record attendance afterwards", code="session_not_over", field="session_id"
        )
    attendees = roster.active_bookings
    missing = [b.member_id for b in attendees if b.member_id not in accounts]
    if missing:
        raise KeyError(f"accounts missing for booked members {missing}")
    for booking in attendees:
        booking.status = BookingStatus.ATTENDED
        booking.no_show = policy.uses_check_in and booking.checked_in_at is None
        accounts[booking.member_id].consume(booking, now)
        roster.events.append(
            AttendanceRecorded(
                booking_id=booking.booking_id,
                session_id=session.session_id,
                studio_id=session.studio_id,
                member_id=booking.member_id,
                location_id=session.location_id,
                session_type_id=session.session_type_id,
                starts_at=session.starts_at,
                no_show=booking.no_show,
                checked_in_at=booking.checked_in_at,
            )
        )
    for entry in roster.waiting:
        entry.status = WaitlistStatus.CLOSED
        entry.decided_at = now
    session.status = SessionStatus.ENDED
    return attendees
