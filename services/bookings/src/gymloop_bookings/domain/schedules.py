"""Locations, session types and weekly schedule templates that generate concrete sessions.

Times in a template are studio-local wall-clock times: a weekly 18:00 class stays at 18:00 local across
daylight-saving changes, so its UTC time moves by an hour. Session ids are derived from (slot, date) so
generating the same weeks twice yields the same sessions (idempotent).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gymloop_kit.errors import InvalidInput
from gymloop_kit.studio_clock import parse_time_zone

from gymloop_bookings.domain.sessions import Session, require_capacity

_SESSION_NAMESPACE = uuid.UUID("5b0a7c0e-4d8e-4f55-9a8e-2f1f6b3c9d10")


@dataclass(frozen=True, slots=True)
class Location:
    """A location or calendar (room, studio floor) sessions take place in."""

    location_id: uuid.UUID
    studio_id: uuid.UUID
    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SessionType:
    session_type_id: uuid.UUID
    studio_id: uuid.UUID
    name: str
    description: str | None = None  # the standard description, the least specific level


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    """One line of a weekly schedule: every `weekday` (0 = Monday) at local `start_time`."""

    slot_id: uuid.UUID
    weekday: int
    start_time: time
    duration: timedelta
    session_type_id: uuid.UUID
    capacity: int
    coach_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("weekday must be 0 (Monday) to 6 (Sunday)", code="weekday_invalid", field="weekday")
        if self.start_time.tzinfo is not None:
            raise InvalidInput(
                "start_time is a local wall-clock time without zone", code="start_time_not_local", field="start_time"
            )
        if self.duration <= timedelta(0):
            raise InvalidInput("duration must be positive", code="duration_invalid", field="duration")
        require_capacity(self.capacity)


@dataclass(frozen=True, slots=True)
class Validity:
    """The local days a schedule makes sessions on, both ends inclusive; None leaves that end open."""

    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if self.valid_from is not None and self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidInput(
                f"valid_until {self.valid_until.isoformat()} lies before valid_from {self.valid_from.isoformat()}",
                code="validity_invalid",
                field="valid_until",
            )

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def overlaps(self, other: Validity) -> bool:
        starts_before_other_ends = (
            self.valid_from is None or other.valid_until is None or self.valid_from <= other.valid_until
        )
        ends_after_other_starts = (
            self.valid_until is None or other.valid_from is None or other.valid_from <= self.valid_until
        )
        return starts_before_other_ends and ends_after_other_starts


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    schedule_id: uuid.UUID
    studio_id: uuid.UUID
    location_id: uuid.UUID
    slots: tuple[WeeklySlot, ...] = field(default_factory=tuple)
    validity: Validity = field(default_factory=Validity)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Studio-local wall-clock time to UTC.

    In the spring-forward gap (e.g. 02:30 that does not exist) zoneinfo uses the offset before the
    change, which lands an hour later on the wall clock; in the autumn overlap the first 02:30 is taken.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def session_id_for(studio_id: uuid.UUID, slot_id: uuid.UUID, day: date) -> uuid.UUID:
    return uuid.uuid5(_SESSION_NAMESPACE, f"{studio_id}:{slot_id}:{day.isoformat()}")


def generate_sessions(
    schedule: WeeklySchedule,
    time_zone: str,
    first_day: date,
    weeks: int,
    existing: Iterable[uuid.UUID] = (),
    not_before: datetime | None = None,
) -> list[Session]:
    """Concrete sessions for `weeks` weeks from `first_day` (inclusive), skipping ids in `existing`, days outside
    the schedule's validity and, given `not_before` (now), sessions that would start in the past: those are
    simply not made, so generating from the start of the current week fills in only what is still ahead."""
    if weeks < 1:
        raise InvalidInput("generate at least one week", code="weeks_invalid", field="weeks")
    zone = parse_time_zone(time_zone)
    known = set(existing)
    sessions: list[Session] = []
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        if not schedule.validity.contains(day):
            continue
        for slot in schedule.slots:
            if slot.weekday != day.weekday():
                continue
            session_id = session_id_for(schedule.studio_id, slot.slot_id, day)
            if session_id in known:
                continue
            starts_at = local_to_utc(day, slot.start_time, zone)
            if not_before is not None and starts_at <= not_before:
                continue
            sessions.append(
                Session(
                    session_id=session_id,
                    studio_id=schedule.studio_id,
                    location_id=schedule.location_id,
                    session_type_id=slot.session_type_id,
                    starts_at=starts_at,
                    # Duration is elapsed time, so a class spanning a DST change still lasts as long.
                    ends_at=starts_at + slot.duration,
                    capacity=slot.capacity,
                    coach_id=slot.coach_id,
                    slot_id=slot.slot_id,
                )
            )
    sessions.sort(key=lambda s: (s.starts_at, str(s.session_id)))
    return sessions


def one_off_session(
    session_id: uuid.UUID,
    studio_id: uuid.UUID,
    location_id: uuid.UUID,
    session_type_id: uuid.UUID,
    time_zone: str,
    day: date,
    start_time: time,
    duration: timedelta,
    capacity: int,
    now: datetime,
    coach_id: uuid.UUID | None = None,
    description: str | None = None,
) -> Session:
    """A session outside any weekly schedule, given in studio-local time; it must start after `now`."""
    if duration <= timedelta(0):
        raise InvalidInput("duration must be positive", code="duration_invalid", field="duration")
    zone = parse_time_zone(time_zone)
    starts_at = local_to_utc(day, start_time, zone)
    if starts_at <= now:
        # Both times on the studio's clock: that is the clock the staff typed the start on.
        local_now = now.astimezone(zone)
        raise InvalidInput(
            f"the session would start on {day.isoformat()} at {start_time.strftime('%H:%M')}, which is not after "
            f"now ({local_now:%Y-%m-%d %H:%M} in {time_zone}): sessions in the past cannot be created",
            code="session_in_past",
            field="start_time",
        )
    return Session(
        session_id=session_id,
        studio_id=studio_id,
        location_id=location_id,
        session_type_id=session_type_id,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        capacity=capacity,
        coach_id=coach_id,
        description=description,
    )
