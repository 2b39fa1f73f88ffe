"""Domain events the rules raise; the messaging layer maps them onto the published contracts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class SessionScheduled:
    session_id: uuid.UUID
    studio_id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    coach_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class SessionMoved:
    """Staff changed a session's time, coach or location; the members booked at that moment are told."""

    session_id: uuid.UUID
    studio_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    location_id: uuid.UUID
    coach_id: uuid.UUID | None
    previous_starts_at: datetime
    previous_ends_at: datetime
    previous_location_id: uuid.UUID
    previous_coach_id: uuid.UUID | None
    booked_member_ids: tuple[uuid.UUID, ...]
    moved_by: uuid.UUID


@dataclass(frozen=True, slots=True)
class SessionBooked:
    booking_id: uuid.UUID
    session_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    subscription_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    booked_by: uuid.UUID
    credits_charged: int
    via_waitlist: bool = False


@dataclass(frozen=True, slots=True)
class BookingCancelled:
    booking_id: uuid.UUID
    session_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    cancelled_by: uuid.UUID
    late: bool
    credit_returned: bool


@dataclass(frozen=True, slots=True)
class SessionCancelled:
    session_id: uuid.UUID
    studio_id: uuid.UUID
    starts_at: datetime
    reason: str | None
    refunded_member_ids: tuple[uuid.UUID, ...]
    session_type_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class WaitlistSkipped:
    entry_id: uuid.UUID
    session_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class AttendanceRecorded:
    booking_id: uuid.UUID
    session_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: datetime
    no_show: bool
    checked_in_at: datetime | None


DomainEvent: TypeAlias = (
    SessionScheduled
    | SessionMoved
    | SessionBooked
    | BookingCancelled
    | SessionCancelled
    | WaitlistSkipped
    | AttendanceRecorded
)
