"""A member's place in a session, and the subscription that paid for it."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from gymloop_bookings.domain.actors import Actor


class BookingStatus(enum.StrEnum):
    ACTIVE = "active"  # holds a place (and, for packs, a credit)
    SIGNED_OUT = "signed_out"  # credit returned
    LATE_CANCELLED = "late_cancelled"  # signed out after the cutoff: credit forfeited
    SESSION_CANCELLED = "session_cancelled"  # the studio cancelled the session: credit refunded
    ATTENDED = "attended"  # the session took place with the member on the list


# Statuses that used up a place in the member's week (for the unlimited weekly limit).
COUNTS_FOR_WEEK = frozenset({BookingStatus.ACTIVE, BookingStatus.ATTENDED, BookingStatus.LATE_CANCELLED})


@dataclass(slots=True)
class Booking:
    booking_id: uuid.UUID
    studio_id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    subscription_id: uuid.UUID
    charged_credit: bool  # packs charge one credit, unlimited plans none
    # Copied from the session so a member's bookings can be checked without loading every session.
    session_starts_at: datetime
    session_ends_at: datetime
    session_local_date: date
    booked_at: datetime
    booked_by: Actor
    status: BookingStatus = BookingStatus.ACTIVE
    cancelled_at: datetime | None = None
    cancelled_by: Actor | None = None
    checked_in_at: datetime | None = None
    marked_present: bool = False  # cosmetic, see seed 002: it changes nothing else
    no_show: bool = False

    @property
    def is_active(self) -> bool:
        return self.status is BookingStatus.ACTIVE

    def is_upcoming(self, now: datetime) -> bool:
        """An active sign-up: booked and not yet taken place (seed 002)."""
        return self.is_active and self.session_starts_at > now

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.session_starts_at < ends_at and starts_at < self.session_ends_at
