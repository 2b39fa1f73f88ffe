"""Reports over plain records: sessions with occupancy and no-shows, occupancy per dimension."""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session_id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    coach_id: uuid.UUID | None
    local_start: datetime  # studio-local wall-clock start
    capacity: int
    taken: int  # booked places, or attendees once the session took place
    no_shows: int
    late_cancels: int
    cancelled: bool

    @property
    def occupancy(self) -> float:
        return self.taken / self.capacity if self.capacity else 0.0


def session_record(roster: SessionRoster, policy: BookingPolicy) -> SessionRecord:
    session = roster.session
    statuses = [b.status for b in roster.bookings]
    return SessionRecord(
        session_id=session.session_id,
        location_id=session.location_id,
        session_type_id=session.session_type_id,
        coach_id=session.coach_id,
        local_start=session.starts_at.astimezone(policy.zone).replace(tzinfo=None),
        capacity=session.capacity,
        taken=sum(1 for s in statuses if s in (BookingStatus.ACTIVE, BookingStatus.ATTENDED)),
        no_shows=sum(1 for b in roster.bookings if b.status is BookingStatus.ATTENDED and b.no_show),
        late_cancels=statuses.count(BookingStatus.LATE_CANCELLED),
        cancelled=session.is_cancelled,
    )


class Dimension(enum.StrEnum):
    WEEKDAY = "weekday"  # 0 = Monday
    HOUR = "hour"  # local start hour
    LOCATION = "location"
    SESSION_TYPE = "session_type"
    COACH = "coach"  # sessions without a coach under NO_COACH


NO_COACH = "none"


def _key(record: SessionRecord, dimension: Dimension) -> Hashable:
    if dimension is Dimension.WEEKDAY:
        return record.local_start.weekday()
    if dimension is Dimension.HOUR:
        return record.local_start.hour
    if dimension is Dimension.LOCATION:
        return record.location_id
    if dimension is Dimension.COACH:
        return record.coach_id or NO_COACH
    return record.session_type_id


@dataclass(frozen=True, slots=True)
class OccupancyRow:
    key: Hashable
    sessions: int
    places: int
    taken: int
    no_shows: int

    @property
    def occupancy(self) -> float:
        return self.taken / self.places if self.places else 0.0


def sessions_report(records: Iterable[SessionRecord]) -> list[SessionRecord]:
    """All sessions in start order (the report lists cancelled ones too)."""
    return sorted(records, key=lambda r: (r.local_start, str(r.session_id)))


def occupancy_by(records: Iterable[SessionRecord], dimension: Dimension) -> list[OccupancyRow]:
    """Occupancy per weekday, hour, location, session type or coach; cancelled sessions do not count."""
    totals: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for record in records:
        if record.cancelled:
            continue
        row = totals[_key(record, dimension)]
        row[0] += 1
        row[1] += record.capacity
        row[2] += record.taken
        row[3] += record.no_shows
    rows = [OccupancyRow(key, *values) for key, values in totals.items()]
    return sorted(rows, key=lambda r: str(r.key) if not isinstance(r.key, int) else f"{r.key:04d}")
