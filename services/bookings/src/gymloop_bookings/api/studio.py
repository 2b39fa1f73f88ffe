"""Studio settings, locations, session types, weekly schedules, one-off sessions and the agenda."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser, Staff
from gymloop_kit.http.dates import Day

from gymloop_bookings.api.schemas import (
    AgendaDayOut,
    AgendaSessionOut,
    DayDescriptionIn,
    GenerateIn,
    NamedIn,
    NamedOut,
    OneOffIn,
    ScheduleIn,
    ScheduleOut,
    SessionOut,
    StudioSettingsIn,
    StudioSettingsOut,
)
from gymloop_bookings.db.repository import load_policy, load_studio_name
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.schedules import Validity
from gymloop_bookings.service import agenda_view, schedule_cases, views

router = APIRouter(tags=["schedules"])


@router.put(
    "/settings",
    operation_id="setBookingSettings",
    summary="Set the studio's booking settings (time zone and name are set in members and followed from its events)",
    response_model=StudioSettingsOut,
)
async def put_settings(body: StudioSettingsIn, principal: Admin, session: Session) -> StudioSettingsOut:
    """Admins only. The booking window, the cancellation cut-off, whether a late cancellation forfeits the credit and
    whether full sessions keep a waitlist. The studio's name and time zone are not set here: they follow members'
    events."""
    current = await load_policy(session, principal.studio_id)
    policy = BookingPolicy(
        time_zone=current.time_zone,
        booking_window=timedelta(hours=body.booking_window_hours),
        cancellation_cutoff=timedelta(minutes=body.cancellation_cutoff_minutes),
        late_cancel_forfeits=body.late_cancel_forfeits,
        waitlist_enabled=body.waitlist_enabled,
        waitlist_cutoff=timedelta(minutes=body.waitlist_cutoff_minutes),
        uses_check_in=body.uses_check_in,
        staff_may_book_beyond_window=body.staff_may_book_beyond_window,
    )
    await schedule_cases.save_settings(session, principal.studio_id, policy)
    return _settings_out(await load_studio_name(session, principal.studio_id), policy)


@router.post(
    "/locations",
    operation_id="addLocation",
    status_code=201,
    summary="Add a location (calendar)",
    response_model=NamedOut,
)
async def post_location(body: NamedIn, principal: Staff, session: Session) -> NamedOut:
    """Staff only. A location is a calendar of its own: schedules and sessions belong to one. Its description (e.g.
    how to get there) is kept and answered by the list."""
    row = await schedule_cases.add_location(session, principal.studio_id, body.name, body.description)
    return NamedOut(id=row.id, name=row.name, description=row.description)


@router.get("/locations", operation_id="listLocations", summary="List locations", response_model=list[NamedOut])
async def get_locations(principal: AnyUser, session: Session) -> list[NamedOut]:
    """Every location of the studio with its description; any role may read them."""
    found = await views.locations(session, principal.studio_id)
    return [NamedOut(id=loc.location_id, name=loc.name, description=loc.description) for loc in found.values()]


@router.post(
    "/session-types",
    operation_id="addSessionType",
    status_code=201,
    summary="Add a session type",
    response_model=NamedOut,
)
async def post_session_type(body: NamedIn, principal: Staff, session: Session) -> NamedOut:
    """Staff only. A kind of session (e.g. a class) with its default description."""
    row = await schedule_cases.add_session_type(session, principal.studio_id, body.name, body.description)
    return NamedOut(id=row.id, name=row.name, description=row.description)


@router.get(
    "/session-types", operation_id="listSessionTypes", summary="List session types", response_model=list[NamedOut]
)
async def get_session_types(principal: AnyUser, session: Session) -> list[NamedOut]:
    """Every session type of the studio with its default description; any role may read them."""
    found = await views.session_types(session, principal.studio_id)
    return [NamedOut(id=t.session_type_id, name=t.name, description=t.description) for t in found.values()]


@router.put(
    "/session-types/{session_type_id}/days/{day}",
    operation_id="setDayDescription",
    status_code=204,
    summary="Set a session type's description for one day (daily programming)",
)
async def put_day_description(
    session_type_id: uuid.UUID, day: date, body: DayDescriptionIn, principal: Staff, session: Session
) -> None:
    """Staff only. The description of every session of this type on that local day (e.g. the workout of the day); a
    session's own description still wins."""
    await schedule_cases.set_day_description(session, principal.studio_id, session_type_id, day, body.description)


@router.post(
    "/schedules",
    operation_id="createSchedule",
    status_code=201,
    summary="Create a weekly schedule for a location",
    response_model=ScheduleOut,
)
async def post_schedule(body: ScheduleIn, principal: Staff, session: Session) -> ScheduleOut:
    """Staff only. Weekly slots (weekday, start time, duration, session type, capacity, coach) for one location,
    optionally for a validity period (valid_from, valid_until); sessions are made from it by generate."""
    schedule = await schedule_cases.create_schedule(
        session,
        principal.studio_id,
        body.location_id,
        [(s.weekday, s.start_time, s.duration_minutes, s.session_type_id, s.capacity, s.coach_id) for s in body.slots],
        Validity(body.valid_from, body.valid_until),
    )
    return ScheduleOut(
        id=schedule.schedule_id,
        location_id=schedule.location_id,
        slot_ids=[s.slot_id for s in schedule.slots],
        valid_from=schedule.validity.valid_from,
        valid_until=schedule.validity.valid_until,
    )


@router.post(
    "/schedules/{schedule_id}/generate",
    operation_id="generateSessions",
    summary="Generate the sessions of the coming weeks (idempotent)",
    response_model=list[SessionOut],
)
async def post_generate(
    schedule_id: uuid.UUID, body: GenerateIn, principal: Staff, session: Session
) -> list[SessionOut]:
    """Staff only. Makes the schedule's sessions for the given number of weeks from the first day, on the days of
    its validity period; sessions that already exist are not made twice, and sessions that would start in the past
    are not made (a first day in the past fills in only what is still ahead). Answers the sessions made."""
    created = await schedule_cases.generate(
        session, principal.studio_id, schedule_id, body.first_day, body.weeks, datetime.now(UTC)
    )
    return [SessionOut.of(s) for s in created]


@router.post(
    "/sessions",
    operation_id="scheduleOneOffSession",
    status_code=201,
    summary="Schedule a one-off session",
    response_model=SessionOut,
)
async def post_one_off(body: OneOffIn, principal: Staff, session: Session) -> SessionOut:
    """Staff only. A session outside any schedule, on a local day and start time at one location. The start must lie
    after now on the studio's clock (422 session_in_past on start_time)."""
    created = await schedule_cases.add_one_off(
        session,
        principal.studio_id,
        body.location_id,
        body.session_type_id,
        body.day,
        body.start_time,
        body.duration_minutes,
        body.capacity,
        body.coach_id,
        body.description,
        datetime.now(UTC),
    )
    return SessionOut.of(created)


@router.put(
    "/sessions/{session_id}/description",
    operation_id="setSessionDescription",
    status_code=204,
    summary="Set this one session's description",
)
async def put_session_description(
    session_id: uuid.UUID, body: DayDescriptionIn, principal: Staff, session: Session
) -> None:
    """Staff only. Wins over the session type's day and default descriptions."""
    await schedule_cases.set_session_description(session, principal.studio_id, session_id, body.description)


@router.get(
    "/agenda",
    summary="Sessions per local day (a day or a week), optionally for one location or coach",
    response_model=list[AgendaDayOut],
)
async def get_agenda(
    principal: AnyUser,
    session: Session,
    day: Day,
    days: int = Query(default=7, ge=1, le=31),
    location_id: uuid.UUID | None = None,
    coach_id: uuid.UUID | None = Query(default=None, description="Only the sessions this coach gives"),
    week: bool = Query(default=False, description="Start on the Monday of the ISO week containing `day`"),
) -> list[AgendaDayOut]:
    """Any role. The sessions of `days` local days from `day` (or of the ISO week containing it), day by day in the
    studio's time zone, optionally for one location and/or one coach; each with its name, coach name, booked places
    (booked, or attended once it took place), free places, waitlist length and description (the session's own, else
    the type's for that day, else the type's)."""
    first = day - timedelta(days=day.weekday()) if week else day
    if week:
        days = 7
    agenda = await agenda_view.agenda_contents(session, principal.studio_id, first, days, location_id, coach_id)
    return [AgendaDayOut(day=d.day, sessions=[agenda_session_out(e) for e in d.sessions]) for d in agenda]


@router.get(
    "/settings",
    operation_id="getBookingSettings",
    summary="The studio's booking settings, time zone and name",
    response_model=StudioSettingsOut,
)
async def get_settings(principal: AnyUser, session: Session) -> StudioSettingsOut:
    """Any role: members see the rules they book under (the late-cancel cutoff before they sign out). The booking
    rules, with the studio's time zone and name as followed from members."""
    studio_name, policy = await views.studio_settings(session, principal.studio_id)
    return _settings_out(studio_name, policy)


def _settings_out(studio_name: str, policy: BookingPolicy) -> StudioSettingsOut:
    return StudioSettingsOut(
        studio_name=studio_name,
        time_zone=policy.time_zone,
        booking_window_hours=int(policy.booking_window.total_seconds() // 3600),
        cancellation_cutoff_minutes=int(policy.cancellation_cutoff.total_seconds() // 60),
        late_cancel_forfeits=policy.late_cancel_forfeits,
        waitlist_enabled=policy.waitlist_enabled,
        waitlist_cutoff_minutes=int(policy.waitlist_cutoff.total_seconds() // 60),
        uses_check_in=policy.uses_check_in,
        staff_may_book_beyond_window=policy.staff_may_book_beyond_window,
    )


def agenda_session_out(entry: agenda_view.AgendaEntry) -> AgendaSessionOut:
    return AgendaSessionOut(
        **SessionOut.of(entry.session, description=entry.description).model_dump(
            exclude={"booked", "free_places", "waiting"}
        ),
        name=entry.name,
        coach_name=entry.coach_name,
        booked=entry.booked,
        free_places=max(entry.session.capacity - entry.booked, 0),
        waiting=entry.waiting,
    )
