"""Schedule edits and session moves as pure rules: what a move does to bookings, who is told, the free sign-out
after a move, the choice staff must make for booked sessions, coach overlaps, validity and generating no past."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.events import SessionMoved
from gymloop_bookings.domain.schedule_edits import (
    AffectedSession,
    BookedSessions,
    SlotEdit,
    edited_slot,
    require_choice,
    require_coach_free,
    session_change,
)
from gymloop_bookings.domain.schedules import Validity, WeeklySchedule, WeeklySlot, generate_sessions
from gymloop_bookings.domain.session_moves import SessionChange, change_session
from gymloop_kit.errors import Conflict, InvalidInput

from .conftest import AMSTERDAM

pytestmark = pytest.mark.unit


def _booked(world, starts_in=timedelta(days=1)):
    roster = world.session(starts_in=starts_in)
    members = []
    for _ in range(2):
        account = world.member()
        world.subscribe(account, credits=5)
        assert world.sign_up(roster, account).booking is not None
        members.append(account)
    roster.events.clear()
    return roster, members


def test_a_move_carries_the_new_time_into_the_bookings_and_names_each_booked_member_once(world):
    roster, members = _booked(world)
    later = roster.session.starts_at + timedelta(days=1, hours=2)
    coach = uuid.uuid4()

    moved = change_session(roster, SessionChange(starts_at=later, coach_id=coach), world.policy, world.staff, world.now)

    assert isinstance(moved, SessionMoved)
    assert roster.events == [moved]
    assert sorted(moved.booked_member_ids, key=str) == sorted((m.member_id for m in members), key=str)
    assert (moved.starts_at, moved.coach_id, moved.moved_by) == (later, coach, world.staff.actor_id)
    assert moved.previous_starts_at == later - timedelta(days=1, hours=2)
    assert roster.session.moved_at == world.now
    for booking in roster.active_bookings:
        assert (booking.session_starts_at, booking.session_ends_at) == (later, later + timedelta(hours=1))
        assert booking.session_local_date == world.policy.local_date(later)


def test_a_capacity_or_type_change_is_no_move_and_tells_nobody(world):
    roster, _ = _booked(world)
    other_type = uuid.uuid4()
    change = SessionChange(capacity=12, session_type_id=other_type)
    assert change_session(roster, change, world.policy, world.staff, world.now) is None
    assert (roster.session.capacity, roster.session.session_type_id, roster.session.moved_at) == (12, other_type, None)
    assert roster.events == []


def test_a_member_booked_before_the_move_signs_out_late_without_losing_the_credit(world):
    roster, (anna, _) = _booked(world, starts_in=timedelta(hours=3))
    world.now += timedelta(minutes=5)
    change_session(
        roster,
        SessionChange(starts_at=roster.session.starts_at + timedelta(minutes=30)),
        world.policy,
        world.staff,
        world.now,
    )
    # Two hours later, inside the two-hour cut-off: a late cancel that would forfeit the credit, were it not moved.
    world.now += timedelta(hours=2)
    before = world.left(anna)
    world.sign_out(roster, anna)
    booking = next(b for b in roster.bookings if b.member_id == anna.member_id)
    assert booking.status is BookingStatus.SIGNED_OUT
    assert world.left(anna) == before + 1


def test_a_member_who_booked_after_the_move_keeps_the_late_cancel_rule(world):
    roster = world.session(starts_in=timedelta(hours=3))
    change_session(roster, SessionChange(coach_id=uuid.uuid4()), world.policy, world.staff, world.now)
    world.now += timedelta(minutes=10)
    late_booker = world.member()
    world.subscribe(late_booker, credits=5)
    world.sign_up(roster, late_booker)
    world.now += timedelta(hours=2)
    before = world.left(late_booker)
    world.sign_out(roster, late_booker)
    assert roster.bookings[-1].status is BookingStatus.LATE_CANCELLED
    assert world.left(late_booker) == before


def test_a_session_is_not_moved_into_the_past_nor_once_started_or_cancelled(world):
    roster, _ = _booked(world)
    with pytest.raises(InvalidInput) as refused:
        change_session(
            roster, SessionChange(starts_at=world.now - timedelta(minutes=1)), world.policy, world.staff, world.now
        )
    assert (refused.value.code, refused.value.field) == ("session_in_past", "start_time")
    started = world.session(starts_in=timedelta(minutes=-5))
    with pytest.raises(Conflict, match="started"):
        change_session(started, SessionChange(coach_id=None), world.policy, world.staff, world.now)


def test_booked_sessions_without_a_choice_are_refused_with_each_session_listed():
    starts = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    affected = [AffectedSession(uuid.uuid4(), starts, 3, 0), AffectedSession(uuid.uuid4(), starts, 0, 2)]
    with pytest.raises(Conflict) as refused:
        require_choice(affected, None)
    assert refused.value.code == "booked_sessions_choice_required"
    listed = [(e.context["session_id"], e.context["booked"], e.context["waiting"]) for e in refused.value.field_errors]
    assert listed == [(str(affected[0].session_id), 3, 0), (str(affected[1].session_id), 0, 2)]
    require_choice(affected, BookedSessions.KEEP)
    require_choice([], None)
    with pytest.raises(InvalidInput) as not_here:
        require_choice(
            affected, BookedSessions.MOVE_AND_NOTIFY, (BookedSessions.KEEP, BookedSessions.CANCEL_AND_REFUND)
        )
    assert not_here.value.code == "booked_sessions_not_applicable"


def _slot(weekday=1, at=time(18, 0), minutes=60, coach=None):
    return WeeklySlot(uuid.uuid4(), weekday, at, timedelta(minutes=minutes), uuid.uuid4(), 10, coach)


def test_an_edit_overlapping_another_slot_of_the_same_coach_names_both_slots():
    coach = uuid.uuid4()
    tuesday = _slot(coach=coach)
    other = _slot(at=time(17, 0), coach=coach)
    moved = edited_slot(other, SlotEdit(start_time=time(17, 30)))
    with pytest.raises(Conflict) as refused:
        require_coach_free(moved, Validity(), [(tuesday, Validity()), (other, Validity())])
    assert refused.value.code == "coach_slots_overlap"
    assert str(moved.slot_id) in refused.value.message
    assert str(tuesday.slot_id) in refused.value.message
    # Back to back, another coach, or schedules that never run at the same time: no conflict.
    require_coach_free(edited_slot(other, SlotEdit(start_time=time(17, 0))), Validity(), [(tuesday, Validity())])
    require_coach_free(edited_slot(moved, SlotEdit(coach_id=uuid.uuid4())), Validity(), [(tuesday, Validity())])
    require_coach_free(moved, Validity(date(2027, 1, 1)), [(tuesday, Validity(None, date(2026, 12, 31)))])


def test_a_sunday_night_slot_running_past_midnight_meets_monday_morning():
    coach = uuid.uuid4()
    late_sunday = _slot(weekday=6, at=time(23, 30), minutes=60, coach=coach)
    with pytest.raises(Conflict):
        require_coach_free(_slot(weekday=0, at=time(0, 0), coach=coach), Validity(), [(late_sunday, Validity())])


def test_an_edit_changes_only_what_it_names_and_none_removes_the_coach():
    slot = _slot(coach=uuid.uuid4())
    edited = edited_slot(slot, SlotEdit(capacity=4, coach_id=None))
    assert (edited.capacity, edited.coach_id, edited.start_time, edited.slot_id) == (
        4,
        None,
        slot.start_time,
        slot.slot_id,
    )
    with pytest.raises(InvalidInput):
        edited_slot(slot, SlotEdit(capacity=0))


def test_a_sessions_change_keeps_its_local_day_and_takes_the_slots_local_time():
    slot = edited_slot(_slot(), SlotEdit(start_time=time(7, 15)))
    change = session_change(slot, date(2026, 12, 8), ZoneInfo(AMSTERDAM))
    assert change.starts_at == datetime(2026, 12, 8, 6, 15, tzinfo=UTC)
    assert change.duration == timedelta(hours=1)


def test_a_validity_period_must_not_end_before_it_starts():
    with pytest.raises(InvalidInput) as refused:
        Validity(date(2026, 12, 10), date(2026, 12, 9))
    assert (refused.value.code, refused.value.field) == ("validity_invalid", "valid_until")


def test_generation_skips_days_outside_the_validity_and_sessions_already_past():
    slots = tuple(_slot(weekday=d, at=time(9, 0)) for d in range(7))
    schedule = WeeklySchedule(
        uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), slots, Validity(date(2026, 11, 30), date(2026, 12, 3))
    )
    # Monday 30 November 10:00 in Amsterdam: Monday's 09:00 has passed.
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    made = generate_sessions(schedule, AMSTERDAM, date(2026, 11, 23), weeks=3, not_before=now)
    assert [s.starts_at.date() for s in made] == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
