"""A concrete session in the agenda: a place and time members can book."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from gymloop_kit.errors import InvalidInput


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    ENDED = "ended"


@dataclass(slots=True)
class Session:
    session_id: uuid.UUID
    studio_id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: datetime  # timezone-aware, stored in UTC
    ends_at: datetime
    capacity: int
    coach_id: uuid.UUID | None = None
    description: str | None = None  # the most specific description level: this one session
    slot_id: uuid.UUID | None = None  # the weekly-schedule slot it came from; None for one-off sessions
    status: SessionStatus = SessionStatus.SCHEDULED
    moved_at: datetime | None = None  # when staff last moved it; bookings made before may sign out freely

    def moved_after(self, booked_at: datetime) -> bool:
        """Whether the session was moved after this booking was made (the member booked another time or coach)."""
        return self.moved_at is not None and self.moved_at > booked_at

    def __post_init__(self) -> None:
        require_aware(self.starts_at, "starts_at")
        require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise InvalidInput("ends_at must lie after starts_at", code="session_ends_before_start", field="ends_at")
        require_capacity(self.capacity)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    @property
    def has_ended(self) -> bool:
        return self.status is SessionStatus.ENDED

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at


def require_aware(moment: datetime, field_name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field_name} must carry a time zone (UTC in storage)", code="naive_datetime", field=field_name
        )


def require_capacity(capacity: int) -> None:
    if capacity < 1:
        raise InvalidInput(f"capacity must be 1 or more, got {capacity}", code="capacity_invalid", field="capacity")
