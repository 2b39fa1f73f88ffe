"""Events owned by the bookings service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime

from gymloop_contracts.base import EventPayload


class _SessionEvent(EventPayload):
    owner: ClassVar[str] = "bookings"
    aggregate_type: ClassVar[str] = "session"
    aggregate_field: ClassVar[str] = "session_id"
    key_field: ClassVar[str] = "session_id"

    session_id: uuid.UUID


class SessionScheduled(_SessionEvent):
    """A session was put in the agenda (from a weekly schedule or one-off)."""

    location_id: uuid.UUID
    session_type_id: uuid.UUID
    session_type_name: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int
    coach_id: uuid.UUID | None = None


class SessionMoved(_SessionEvent):
    """Staff moved a session (time, coach or location); each member booked at that moment is told once and may
    sign out without the late-cancel rule."""

    session_type_id: uuid.UUID
    session_type_name: str = ""
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location_id: uuid.UUID
    location_name: str = ""
    coach_id: uuid.UUID | None = None
    previous_starts_at: AwareDatetime
    previous_ends_at: AwareDatetime
    previous_location_id: uuid.UUID
    previous_coach_id: uuid.UUID | None = None
    booked_member_ids: list[uuid.UUID] = []
    moved_by: uuid.UUID | None = None


class SessionCancelled(_SessionEvent):
    """A session was cancelled; everyone booked was refunded and is told."""

    starts_at: AwareDatetime
    reason: str | None = None
    refunded_member_ids: list[uuid.UUID] = []
    session_type_name: str = ""


class _BookingEvent(EventPayload):
    owner: ClassVar[str] = "bookings"
    aggregate_type: ClassVar[str] = "booking"
    aggregate_field: ClassVar[str] = "booking_id"
    key_field: ClassVar[str] = "member_id"

    booking_id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID


class SessionBooked(_BookingEvent):
    """A member signed up for a session; one credit is charged at sign-up for packs."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    booked_by: uuid.UUID
    subscription_id: uuid.UUID | None = None
    credits_charged: int = 0


class BookingCancelled(_BookingEvent):
    """A member signed out (or was signed out); a late cancel forfeits the credit."""

    cancelled_by: uuid.UUID
    late: bool = False
    credit_returned: bool = True


class WaitlistPromoted(_BookingEvent):
    """A waitlisted member got the freed place; the credit was charged at promotion."""

    starts_at: AwareDatetime
    credits_charged: int = 0


class AttendanceRecorded(_BookingEvent):
    """After a session ended: the member attended or, where the studio uses check-in, did not show."""

    location_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: AwareDatetime
    status: Literal["attended", "no_show"]
    checked_in_at: datetime | None = None


class _BenchmarkResultEvent(EventPayload):
    owner: ClassVar[str] = "bookings"
    aggregate_type: ClassVar[str] = "benchmark_result"
    aggregate_field: ClassVar[str] = "result_id"
    key_field: ClassVar[str] = "member_id"

    result_id: uuid.UUID
    workout_id: uuid.UUID
    workout_name: str
    member_id: uuid.UUID
    session_id: uuid.UUID
    scoring: Literal["time", "reps", "rounds_reps", "load", "distance"]
    # The canonical score as a decimal string (seconds, reps, kilograms or metres): exact, unlike a float.
    score: str
    scaling: Literal["rx", "scaled"]


class BenchmarkResultRecorded(_BenchmarkResultEvent):
    """A member's result for a benchmark workout was recorded for a session they attended (by them or a coach)."""

    value: str
    unit: str
    rounds: int | None = None
    recorded_by: uuid.UUID
    recorded_at: AwareDatetime


class PersonalBestSet(_BenchmarkResultEvent):
    """A recorded result beat the member's earlier best for that workout at that scaling (or was their first)."""

    previous_score: str | None = None
    lower_is_better: bool


class PackExpiringSoon(EventPayload):
    """A member's session pack ends within three days with credits left (bookings' daily reminder: once per end
    date; a pause that moves the end date reminds again before the new one)."""

    owner: ClassVar[str] = "bookings"
    aggregate_type: ClassVar[str] = "entitlement"
    aggregate_field: ClassVar[str] = "subscription_id"
    key_field: ClassVar[str] = "member_id"

    subscription_id: uuid.UUID
    member_id: uuid.UUID
    valid_until: date
    credits_left: int
