"""A member's bookings as an iCalendar feed (RFC 5545) for their phone calendar."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from icalendar import Calendar, Event

from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.schedules import Location, SessionType
from gymloop_bookings.domain.sessions import Session

_SHOWN = {
    BookingStatus.ACTIVE: "CONFIRMED",
    BookingStatus.ATTENDED: "CONFIRMED",
    # Kept in the feed as cancelled so calendar apps remove the event they already have.
    BookingStatus.SESSION_CANCELLED: "CANCELLED",
}


def member_calendar(
    studio_name: str,
    bookings: Iterable[Booking],
    sessions: Mapping[uuid.UUID, Session],
    session_types: Mapping[uuid.UUID, SessionType],
    locations: Mapping[uuid.UUID, Location],
    generated_at: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Gymloop//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{studio_name} bookings")
    for booking in sorted(bookings, key=lambda b: (b.session_starts_at, str(b.booking_id))):
        status = _SHOWN.get(booking.status)
        session = sessions.get(booking.session_id)
        if status is None or session is None:
            continue
        session_type = session_types.get(session.session_type_id)
        location = locations.get(session.location_id)
        event = Event()
        event.add("uid", f"{booking.booking_id}@gymloop")
        event.add("dtstamp", generated_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", session_type.name if session_type else "Session")
        if location is not None:
            event.add("location", f"{studio_name}, {location.name}")
        if session.description:
            event.add("description", session.description)
        event.add("status", status)
        calendar.add_component(event)
    return calendar.to_ical()
