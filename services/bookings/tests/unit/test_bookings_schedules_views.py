"""Weekly schedules (DST-correct), one-off sessions, descriptions, agenda, iCalendar feed and reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_bookings.domain.agenda import agenda_days, agenda_week
from gymloop_bookings.domain.attendance import check_in, end_session
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.descriptions import describe_session
from gymloop_bookings.domain.ical_feed import member_calendar
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.reports import NO_COACH, Dimension, occupancy_by, session_record, sessions_report
from gymloop_bookings.domain.schedules import (
    Location,
    SessionType,
    WeeklySchedule,
    WeeklySlot,
    generate_sessions,
    one_off_session,
)
from gymloop_bookings.domain.sessions import Session
from gymloop_kit.errors import AppError
from icalendar import Calendar

pytestmark = pytest.mark.unit

AMSTERDAM = "Europe/Amsterdam"
STUDIO = uuid.UUID(int=10)
LOCATION = uuid.UUID(int=11)
CROSSFIT = uuid.UUID(int=12)


def _slot(weekday, at=time(18, 0), capacity=12):
    return WeeklySlot(
        slot_id=uuid.uuid4(),
        weekday=weekday,
        start_time=at,
        duration=timedelta(hours=1),
        session_type_id=CROSSFIT,
        capacity=capacity,
    )


def _schedule(*slots):
    return WeeklySchedule(schedule_id=uuid.uuid4(), studio_id=STUDIO, location_id=LOCATION, slots=slots)


def test_weekly_18_00_class_stays_18_00_local_across_the_october_dst_change():
    # The last Sunday of October 2026 is the 25th: clocks go from 03:00 CEST back to 02:00 CET.
    schedule = _schedule(_slot(weekday=3), _slot(weekday=6))  # Thursdays and Sundays
    sessions = generate_sessions(schedule, AMSTERDAM, date(2026, 10, 19), weeks=2)
    zone = ZoneInfo(AMSTERDAM)
    assert [s.starts_at.astimezone(zone).strftime("%a %d %H:%M") for s in sessions] == [
        "Thu 22 18:00",
        "Sun 25 18:00",
        "Thu 29 18:00",
        "Sun 01 18:00",
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [16, 17, 17, 17]
    assert all(s.starts_at.utcoffset() == timedelta(0) for s in sessions)
    assert all(s.duration == timedelta(hours=1) for s in sessions)


def test_generation_is_idempotent_and_skips_existing_sessions():
    schedule = _schedule(_slot(weekday=0), _slot(weekday=2))
    first = generate_sessions(schedule, AMSTERDAM, date(2026, 11, 30), weeks=2)
    again = generate_sessions(schedule, AMSTERDAM, date(2026, 11, 30), weeks=2)
    assert [s.session_id for s in first] == [s.session_id for s in again]
    assert len(first) == 4
    extended = generate_sessions(
        schedule, AMSTERDAM, date(2026, 11, 30), weeks=3, existing=[s.session_id for s in first]
    )
    assert len(extended) == 2
    assert all(s.starts_at.date() >= date(2026, 12, 14) for s in extended)
    assert all(s.slot_id is not None and s.capacity == 12 for s in extended)


def test_one_off_session_in_local_time():
    session = one_off_session(
        session_id=uuid.uuid4(),
        studio_id=STUDIO,
        location_id=LOCATION,
        session_type_id=CROSSFIT,
        time_zone=AMSTERDAM,
        day=date(2026, 7, 1),
        start_time=time(9, 30),
        duration=timedelta(minutes=45),
        capacity=8,
        now=datetime(2026, 6, 1, tzinfo=UTC),
        description="Summer bootcamp on the beach",
    )
    assert session.starts_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert session.ends_at - session.starts_at == timedelta(minutes=45)
    assert session.slot_id is None


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: _slot(weekday=7), "weekday_invalid"),
        (lambda: _slot(weekday=1, capacity=0), "capacity_invalid"),
        (lambda: _slot(weekday=1, at=time(18, tzinfo=UTC)), "start_time_not_local"),
        (lambda: generate_sessions(_schedule(), AMSTERDAM, date(2026, 1, 1), weeks=0), "weeks_invalid"),
    ],
)
def test_bad_schedule_input_is_refused(build, code):
    with pytest.raises(AppError) as caught:
        build()
    assert caught.value.code == code


def test_naive_or_reversed_session_times_are_refused():
    with pytest.raises(AppError) as caught:
        Session(uuid.uuid4(), STUDIO, LOCATION, CROSSFIT, datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10), 5)
    assert caught.value.code == "naive_datetime"
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(AppError) as caught:
        Session(uuid.uuid4(), STUDIO, LOCATION, CROSSFIT, start, start, 5)
    assert caught.value.code == "session_ends_before_start"


def test_most_specific_description_wins():
    policy = BookingPolicy(time_zone=AMSTERDAM)
    session_type = SessionType(CROSSFIT, STUDIO, "CrossFit", description="Functional fitness, all levels")
    monday, tuesday = generate_sessions(
        _schedule(_slot(weekday=0), _slot(weekday=1)), AMSTERDAM, date(2026, 11, 30), weeks=1
    )
    daily = {(CROSSFIT, date(2026, 11, 30)): "WOD: 5 rounds of 400 m run and 15 thrusters"}
    assert describe_session(monday, session_type, daily, policy).startswith("WOD")
    assert describe_session(tuesday, session_type, daily, policy) == "Functional fitness, all levels"
    monday.description = "Coach Anna leads; bring a skipping rope"
    assert describe_session(monday, session_type, daily, policy) == "Coach Anna leads; bring a skipping rope"
    bare = SessionType(CROSSFIT, STUDIO, "CrossFit")
    assert describe_session(tuesday, bare, {}, policy) is None


def test_agenda_groups_per_local_day_and_location():
    other_location = uuid.UUID(int=99)
    sessions = generate_sessions(
        _schedule(_slot(0, time(7)), _slot(0, time(23, 30)), _slot(2)), AMSTERDAM, date(2026, 11, 30), 1
    )
    sessions[0].location_id = other_location
    week = agenda_week(sessions, AMSTERDAM, date(2026, 12, 3))
    assert [d.day for d in week] == [date(2026, 11, 30) + timedelta(days=i) for i in range(7)]
    # 23:30 local on Monday is 22:30 UTC Monday, still Monday locally.
    assert len(week[0].sessions) == 2
    assert week[0].sessions[0].starts_at < week[0].sessions[1].starts_at
    assert set(week[0].by_location()) == {LOCATION, other_location}
    assert len(week[2].sessions) == 1
    assert week[1].sessions == ()
    only_main = agenda_days(sessions, AMSTERDAM, date(2026, 11, 30), 3, location_id=LOCATION)
    assert [len(d.sessions) for d in only_main] == [1, 0, 1]


def test_agenda_can_hide_cancelled_sessions(world):
    roster = world.session()
    cancel_session(roster, world.accounts, world.policy, world.staff, world.now)
    day = world.policy.local_date(roster.session.starts_at)
    assert agenda_days([roster.session], AMSTERDAM, day, 1)[0].sessions == (roster.session,)
    assert agenda_days([roster.session], AMSTERDAM, day, 1, include_cancelled=False)[0].sessions == ()


def test_member_ical_feed_lists_bookings_and_cancelled_sessions(world):
    member = world.member()
    world.subscribe(member)
    kept = world.session(starts_in=timedelta(days=1))
    cancelled = world.session(starts_in=timedelta(days=2))
    signed_out = world.session(starts_in=timedelta(days=3))
    for roster in (kept, cancelled, signed_out):
        world.sign_up(roster, member)
    world.sign_out(signed_out, member)
    cancel_session(cancelled, world.accounts, world.policy, world.staff, world.now)
    sessions = {r.session.session_id: r.session for r in (kept, cancelled, signed_out)}
    feed = member_calendar(
        "Gym Noord",
        member.bookings,
        sessions,
        {world.session_type_id: SessionType(world.session_type_id, world.studio_id, "Yoga")},
        {world.location_id: Location(world.location_id, world.studio_id, "Zaal 1")},
        world.now,
    )
    events = Calendar.from_ical(feed).walk("VEVENT")
    assert len(events) == 2
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert str(events[0]["SUMMARY"]) == "Yoga"
    assert str(events[0]["LOCATION"]) == "Gym Noord, Zaal 1"
    assert events[0].decoded("DTSTART") == kept.session.starts_at
    assert str(events[0]["UID"]) == f"{member.bookings[0].booking_id}@gymloop"


def test_reports_show_occupancy_and_no_shows(world):
    world.with_policy(uses_check_in=True)
    monday = world.session(starts_in=timedelta(days=0, hours=8), capacity=4)  # Mon 18:00 local
    tuesday = world.session(starts_in=timedelta(days=1, hours=8), capacity=2)  # Tue 18:00 local
    dropped = world.session(starts_in=timedelta(days=1, hours=10), capacity=2)
    members = []
    for _ in range(3):
        member = world.member()
        world.subscribe(member)
        members.append(member)
    for member in members:
        world.sign_up(monday, member)
    for member in members[:2]:
        world.sign_up(tuesday, member)
    check_in(monday, members[0].member_id, monday.session.starts_at)
    end_session(monday, world.accounts, world.policy, monday.session.ends_at)
    cancel_session(dropped, world.accounts, world.policy, world.staff, world.now)

    records = [session_record(r, world.policy) for r in (tuesday, dropped, monday)]
    listed = sessions_report(records)
    assert [r.session_id for r in listed] == [
        monday.session.session_id,
        tuesday.session.session_id,
        dropped.session.session_id,
    ]
    assert (listed[0].taken, listed[0].no_shows, listed[0].occupancy) == (3, 2, 0.75)
    assert listed[0].local_start.hour == 18
    assert listed[2].cancelled is True

    by_hour = occupancy_by(records, Dimension.HOUR)
    assert [(r.key, r.sessions, r.places, r.taken, r.no_shows) for r in by_hour] == [(18, 2, 6, 5, 2)]
    by_weekday = {r.key: r.occupancy for r in occupancy_by(records, Dimension.WEEKDAY)}
    assert by_weekday == {0: 0.75, 1: 1.0}
    assert [r.key for r in occupancy_by(records, Dimension.LOCATION)] == [world.location_id]
    assert occupancy_by(records, Dimension.SESSION_TYPE)[0].taken == 5
    by_coach = occupancy_by(records, Dimension.COACH)
    assert [(r.key, r.sessions) for r in by_coach] == [(monday.session.coach_id or NO_COACH, 2)]
    assert occupancy_by([], Dimension.HOUR) == []
