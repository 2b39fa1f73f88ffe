"""A session with its bookings and waitlist: the consistency boundary for capacity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from gymloop_kit.errors import Conflict

from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.events import DomainEvent
from gymloop_bookings.domain.sessions import Session, require_capacity
from gymloop_bookings.domain.waitlist import WaitlistEntry, in_line


@dataclass(slots=True)
class SessionRoster:
    session: Session
    bookings: list[Booking] = field(default_factory=list)
    waitlist: list[WaitlistEntry] = field(default_factory=list)
    # New domain events since the roster was loaded; the use case puts them in the outbox and clears them.
    events: list[DomainEvent] = field(default_factory=list)
    # A sign-up loads only the member's own waiting entry, not the whole line (which a rush makes thousands long):
    # the others who were waiting then, counted for a new entry's position. Rules that walk the line need it whole.
    others_waiting: int = 0

    @property
    def active_bookings(self) -> list[Booking]:
        return [b for b in self.bookings if b.is_active]

    @property
    def free_places(self) -> int:
        return self.session.capacity - len(self.active_bookings)

    @property
    def waiting(self) -> list[WaitlistEntry]:
        """Waiting entries, first come first served."""
        if self.others_waiting:
            raise RuntimeError("this roster holds one member's waitlist entry only: load the whole roster")
        return in_line(self.waitlist)

    def waiting_member_ids(self) -> list[uuid.UUID]:
        return [e.member_id for e in self.waiting]

    def waiting_entry_for(self, member_id: uuid.UUID) -> WaitlistEntry | None:
        return next((e for e in self.waitlist if e.is_waiting and e.member_id == member_id), None)

    def attendance_list(self) -> list[Booking]:
        """Who is on the list: booked members before the session, attendees after it."""
        listed = (BookingStatus.ACTIVE, BookingStatus.ATTENDED)
        return sorted((b for b in self.bookings if b.status in listed), key=lambda b: b.booked_at)

    def add_to_waitlist(self, member_id: uuid.UUID, actor: Actor, now: datetime, entry_id: uuid.UUID) -> WaitlistEntry:
        entry = WaitlistEntry(
            entry_id=entry_id,
            session_id=self.session.session_id,
            member_id=member_id,
            joined_at=now,
            position=1 + self.others_waiting + sum(1 for e in in_line(self.waitlist) if e.joined_at <= now),
            added_by=actor,
        )
        self.waitlist.append(entry)
        return entry

    def change_capacity(self, capacity: int) -> None:
        """Staff change the number of places; never below those already booked (no overbooking)."""
        require_capacity(capacity)
        booked = len(self.active_bookings)
        if capacity < booked:
            raise Conflict(
                f"{booked} members are booked: capacity must be at least {booked} (sign members out first)",
                code="capacity_below_bookings",
                field="capacity",
            )
        self.session.capacity = capacity
