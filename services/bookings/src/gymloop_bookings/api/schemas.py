"""Request and response models of the bookings API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeAlias

from gymloop_kit.bounds import PositiveInt32
from gymloop_kit.http.dates import WallTime
from gymloop_kit.http.pagination import Page
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from gymloop_bookings.db.models import UserLogRow
from gymloop_bookings.domain.actors import ActorKind, ActorRole
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.payment_standing import MAX_REASON_LENGTH
from gymloop_bookings.domain.schedule_edits import BookedSessions
from gymloop_bookings.domain.schedules import WeeklySchedule
from gymloop_bookings.domain.sessions import Session

TIME_ZONE_IS_THE_STUDIOS = (
    "the time zone is the studio's and is set in members, not here: PATCH /api/members/studios/current with "
    'e.g. {"timezone": "Europe/London"} (admins); bookings follows it. Leave time_zone out of this request'
)
STUDIO_NAME_IS_THE_STUDIOS = (
    "the studio's name is set in members, not here: PATCH /api/members/studios/current with "
    'e.g. {"name": "Gymloop Oost"} (admins); bookings follows it. Leave studio_name out of this request'
)


# Stored in minutes as `integer` and subtracted from session starts, so a year is the most that makes sense.
MAX_BOOKING_WINDOW_HOURS = 366 * 24
MAX_CUTOFF_MINUTES = 366 * 24 * 60


class StudioSettingsIn(BaseModel):
    studio_name: Any = Field(
        default=None,
        description="Not accepted (422 studio_name_set_in_members): the studio's name is set in members "
        "(PATCH /api/members/studios/current) and followed from its StudioUpdated event",
        json_schema_extra={"deprecated": True},
    )
    time_zone: Any = Field(
        default=None,
        description="Not accepted (422 time_zone_set_in_members): the studio's time zone is set in members "
        "(PATCH /api/members/studios/current) and followed from its StudioUpdated event",
        json_schema_extra={"deprecated": True},
    )
    booking_window_hours: int = Field(
        default=14 * 24, ge=0, le=MAX_BOOKING_WINDOW_HOURS, description="How far ahead members may book"
    )
    cancellation_cutoff_minutes: int = Field(
        default=120, ge=0, le=MAX_CUTOFF_MINUTES, description="Later sign-outs are late cancels"
    )
    late_cancel_forfeits: bool = True
    waitlist_enabled: bool = True
    waitlist_cutoff_minutes: int = Field(
        default=60, ge=0, le=MAX_CUTOFF_MINUTES, description="No promotion closer to the start"
    )
    uses_check_in: bool = False
    staff_may_book_beyond_window: bool = True

    @field_validator("time_zone")
    @classmethod
    def _time_zone_is_set_in_members(cls, value: object) -> None:
        # Runs only when a client sends the field (null included): refuse it rather than ignore it silently.
        raise PydanticCustomError("time_zone_set_in_members", TIME_ZONE_IS_THE_STUDIOS)

    @field_validator("studio_name")
    @classmethod
    def _studio_name_is_set_in_members(cls, value: object) -> None:
        raise PydanticCustomError("studio_name_set_in_members", STUDIO_NAME_IS_THE_STUDIOS)


class StudioSettingsOut(BaseModel):
    studio_name: str = Field(description="The studio's name, from members (read-only; 'Gymloop studio' until known)")
    time_zone: str = Field(description="The studio's IANA zone, from members (Europe/Amsterdam until it is known)")
    booking_window_hours: int
    cancellation_cutoff_minutes: int
    late_cancel_forfeits: bool
    waitlist_enabled: bool
    waitlist_cutoff_minutes: int
    uses_check_in: bool
    staff_may_book_beyond_window: bool


class NamedIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class NamedOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None = None


class DayDescriptionIn(BaseModel):
    description: str = Field(min_length=1, max_length=5000)


class SlotIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start_time: WallTime = Field(description="Local wall-clock time in the studio's zone")
    duration_minutes: int = Field(gt=0, le=24 * 60)
    session_type_id: uuid.UUID
    capacity: PositiveInt32
    coach_id: uuid.UUID | None = None


class ScheduleIn(BaseModel):
    location_id: uuid.UUID
    slots: list[SlotIn] = Field(min_length=1)
    valid_from: date | None = Field(default=None, description="First local day it makes sessions on; none: open")
    valid_until: date | None = Field(default=None, description="Last local day it makes sessions on; none: open")


class ScheduleOut(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    slot_ids: list[uuid.UUID]
    valid_from: date | None = None
    valid_until: date | None = None


class SlotOut(BaseModel):
    id: uuid.UUID
    weekday: int = Field(description="0 = Monday")
    start_time: WallTime = Field(description="Local wall-clock time in the studio's zone")
    duration_minutes: int
    session_type_id: uuid.UUID
    capacity: int
    coach_id: uuid.UUID | None


class ScheduleDetailOut(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    valid_from: date | None
    valid_until: date | None
    slots: list[SlotOut]

    @classmethod
    def of(cls, schedule: WeeklySchedule) -> ScheduleDetailOut:
        return cls(
            id=schedule.schedule_id,
            location_id=schedule.location_id,
            valid_from=schedule.validity.valid_from,
            valid_until=schedule.validity.valid_until,
            slots=[
                SlotOut(
                    id=s.slot_id,
                    weekday=s.weekday,
                    start_time=s.start_time,
                    duration_minutes=int(s.duration.total_seconds() // 60),
                    session_type_id=s.session_type_id,
                    capacity=s.capacity,
                    coach_id=s.coach_id,
                )
                for s in schedule.slots
            ],
        )


SchedulePage: TypeAlias = Page[ScheduleDetailOut]


BOOKED_SESSIONS_HELP = (
    "What to do with future sessions that have bookings or a waitlist: keep (as booked), move_and_notify (follow "
    "the change; members are told and may sign out without the late-cancel rule), cancel_and_refund (cancel, every "
    "credit back). Required when there are such sessions (409 booked_sessions_choice_required lists them)"
)


class SlotEditIn(BaseModel):
    """Only the fields sent change; coach_id null removes the coach."""

    start_time: WallTime | None = Field(default=None, description="Local wall-clock time in the studio's zone")
    duration_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    coach_id: uuid.UUID | None = None
    capacity: PositiveInt32 | None = None
    session_type_id: uuid.UUID | None = None
    booked_sessions: BookedSessions | None = Field(default=None, description=BOOKED_SESSIONS_HELP)


class ValidityIn(BaseModel):
    valid_from: date | None = Field(default=None, description="First local day; none: open")
    valid_until: date | None = Field(default=None, description="Last local day; none: open")
    booked_sessions: BookedSessions | None = Field(
        default=None,
        description="For booked future sessions outside the new period: keep or cancel_and_refund (required when "
        "there are such sessions)",
    )


class ScheduleChangeOut(BaseModel):
    """What the change did to the schedule's future sessions (session ids)."""

    followed: list[uuid.UUID] = Field(description="Nobody booked: changed with the schedule")
    removed: list[uuid.UUID] = Field(description="Nobody booked: taken out of the agenda")
    moved: list[uuid.UUID] = Field(description="Booked: changed, every booked member told")
    kept: list[uuid.UUID] = Field(description="Booked: left as they were")
    cancelled: list[uuid.UUID] = Field(description="Booked: cancelled, credits given back")
    replacements: list[uuid.UUID] = Field(description="New sessions at the new time in place of the cancelled ones")
    refunded_member_ids: list[uuid.UUID]


class MoveIn(BaseModel):
    """Only the fields sent change; coach_id null removes the coach."""

    day: date | None = Field(default=None, description="New local day")
    start_time: WallTime | None = Field(default=None, description="New local start time in the studio's zone")
    duration_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    location_id: uuid.UUID | None = None
    coach_id: uuid.UUID | None = None


class GenerateIn(BaseModel):
    first_day: date
    weeks: int = Field(default=4, ge=1, le=26)


class OneOffIn(BaseModel):
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    day: date
    start_time: WallTime
    duration_minutes: int = Field(gt=0, le=24 * 60)
    capacity: PositiveInt32
    coach_id: uuid.UUID | None = None
    description: str | None = Field(default=None, max_length=5000)


class SessionOut(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    coach_id: uuid.UUID | None
    status: str
    description: str | None = None
    booked: int | None = None
    free_places: int | None = None
    waiting: int | None = None
    moved_at: datetime | None = Field(
        default=None, description="When staff last moved it; members booked before may sign out without penalty"
    )

    @classmethod
    def of(cls, session: Session, **extra: object) -> SessionOut:
        return cls(
            id=session.session_id,
            location_id=session.location_id,
            session_type_id=session.session_type_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            capacity=session.capacity,
            coach_id=session.coach_id,
            status=session.status.value,
            moved_at=session.moved_at,
            description=extra.pop("description", session.description),
            **extra,
        )


class SignUpIn(BaseModel):
    member_id: uuid.UUID | None = Field(default=None, description="Staff: the member to book; members: omit")
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        description="Staff: why they book a member whose payments are overdue (kept in the user log)",
    )


def shown_status(status: str, no_show: bool) -> str:
    """A no-show is a status of its own to clients, not "attended" with a flag (the credit is used all the same)."""
    return "no_show" if no_show and status == BookingStatus.ATTENDED.value else status


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    subscription_id: uuid.UUID
    status: str = Field(
        description="active, signed_out, late_cancelled, session_cancelled, attended, or no_show (on the list but "
        "never checked in, where the studio uses check-in)"
    )
    charged_credit: bool
    session_starts_at: datetime
    booked_at: datetime
    checked_in_at: datetime | None = None
    marked_present: bool = False
    no_show: bool = Field(default=False, description="Kept for older clients: the same as status no_show")

    @classmethod
    def of(cls, booking: Booking) -> BookingOut:
        return cls(
            id=booking.booking_id,
            session_id=booking.session_id,
            member_id=booking.member_id,
            subscription_id=booking.subscription_id,
            status=shown_status(booking.status.value, booking.no_show),
            charged_credit=booking.charged_credit,
            session_starts_at=booking.session_starts_at,
            booked_at=booking.booked_at,
            checked_in_at=booking.checked_in_at,
            marked_present=booking.marked_present,
            no_show=booking.no_show,
        )


class SignUpOut(BaseModel):
    outcome: str = Field(description="booked or waitlisted")
    booking: BookingOut | None = None
    waitlist_position: int | None = Field(
        default=None, description="Waitlisted: the member's place in line, 1 for the first (the next to move in)"
    )


class WaitlistPlaceOut(BaseModel):
    session_id: uuid.UUID
    session_starts_at: datetime
    joined_at: datetime
    position: int = Field(description="The place in line now, 1 for the first (the next to move in)")


class SessionWaitlistOut(BaseModel):
    member_id: uuid.UUID
    name: str = Field(description="The member's name as bookings knows it (empty until members' event arrived)")
    joined_at: datetime
    position: int = Field(description="The place in line now, 1 for the first (the next to move in)")


class SignOutOut(BaseModel):
    booking: BookingOut
    late: bool
    credit_returned: bool
    promoted_member_ids: list[uuid.UUID]


class CancelIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class CancelOut(BaseModel):
    refunded_member_ids: list[uuid.UUID]


class CapacityIn(BaseModel):
    capacity: PositiveInt32


class MemberRef(BaseModel):
    member_id: uuid.UUID


class AttendanceLine(BaseModel):
    booking: BookingOut
    name: str
    tags: list[str]


class EntitlementOut(BaseModel):
    subscription_id: uuid.UUID
    kind: str
    valid_from: date
    valid_until: date | None
    weekly_limit: int | None
    ended_on: date | None
    granted: int
    left: int
    held: int
    forfeited: int
    attended: int
    expired: int


class AccountOut(BaseModel):
    member_id: uuid.UUID
    credits_left: int
    active_sign_ups: int
    entitlements: list[EntitlementOut]


class LogEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    subscription_id: uuid.UUID
    actor_id: uuid.UUID = Field(description="Who made the change: a member's member id, staff's account id")
    actor_role: str = Field(description="member, employee, admin, or system for automatic changes")
    actor_kind: ActorKind = Field(
        description="The member themself, the studio's staff, or an automatic change (waitlist, expiry, billing)"
    )
    actor_name: str | None = Field(
        description="Who made the change by name as followed from members; None for automatic changes or "
        "while members has not told bookings yet"
    )
    reason: str
    change: int
    available_after: int | None
    session_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    note: str | None = Field(default=None, description="Why staff made an exception, e.g. booked while overdue")

    @classmethod
    def of(cls, row: UserLogRow, actor_name: str | None) -> LogEntryOut:
        return cls(
            at=row.at,
            subscription_id=row.subscription_id,
            actor_id=row.actor_id,
            actor_role=row.actor_role,
            actor_kind=ActorRole(row.actor_role).kind,
            actor_name=actor_name,
            reason=row.reason,
            change=row.change,
            available_after=row.available_after,
            session_id=row.session_id,
            booking_id=row.booking_id,
            note=row.note,
        )


class AgendaSessionOut(SessionOut):
    """A session as the agenda shows it: what it is, who gives it, how full it is, what it is about."""

    name: str | None = Field(default=None, description="The session type's name")
    coach_name: str | None = Field(default=None, description="The coach's name as followed from members")


class AgendaDayOut(BaseModel):
    day: date
    sessions: list[AgendaSessionOut]


class SessionReportOut(BaseModel):
    session_id: uuid.UUID
    location_id: uuid.UUID
    session_type_id: uuid.UUID
    local_start: datetime
    capacity: int
    taken: int
    no_shows: int
    late_cancels: int
    cancelled: bool
    occupancy: float


class OccupancyOut(BaseModel):
    key: str
    sessions: int
    places: int
    taken: int
    no_shows: int
    occupancy: float
