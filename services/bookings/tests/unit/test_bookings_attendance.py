"""Attendance: the list, check-in, the cosmetic present toggle, ending a session and no-shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gymloop_bookings.domain.attendance import check_in, end_session, toggle_present
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.events import AttendanceRecorded
from gymloop_bookings.domain.user_log import LogReason
from gymloop_kit.errors import AppError

pytestmark = pytest.mark.unit


def _booked(world, count=2):
    roster = world.session(starts_in=timedelta(hours=3))
    members = []
    for _ in range(count):
        member = world.member()
        world.subscribe(member)
        world.sign_up(roster, member)
        members.append(member)
    return roster, members


def test_present_toggle_changes_nothing_but_the_flag(world):
    roster, (member, _) = _booked(world)
    credits_before = next(iter(member.entitlements.values())).credits
    log_before = list(member.log)
    booking = toggle_present(roster, member.member_id)
    assert booking.marked_present is True
    assert toggle_present(roster, member.member_id).marked_present is False
    assert next(iter(member.entitlements.values())).credits == credits_before
    assert member.log == log_before
    assert booking.status is BookingStatus.ACTIVE


def test_check_in_records_the_first_arrival(world):
    roster, (member, _) = _booked(world)
    world.now += timedelta(hours=2, minutes=50)
    first = world.now
    check_in(roster, member.member_id, first)
    booking = check_in(roster, member.member_id, first + timedelta(minutes=5))
    assert booking.checked_in_at == first
    assert booking.marked_present is True


def test_check_in_of_someone_not_on_the_list_is_refused(world):
    roster, _ = _booked(world)
    stranger = world.member()
    with pytest.raises(AppError) as caught:
        check_in(roster, stranger.member_id, world.now)
    assert caught.value.code == "not_booked"
    assert "sign them up first" in caught.value.message


def test_ending_a_session_records_attendance_for_everyone_on_the_list(world):
    roster, members = _booked(world)
    world.now = roster.session.ends_at
    attendees = end_session(roster, world.accounts, world.policy, world.now)
    assert {b.member_id for b in attendees} == {m.member_id for m in members}
    assert all(b.status is BookingStatus.ATTENDED and not b.no_show for b in attendees)
    for member in members:
        credits = next(iter(member.entitlements.values())).credits
        assert (credits.left, credits.held, credits.attended) == (5, 0, 1)
        assert member.log[-1].reason is LogReason.ATTENDED
    recorded = [e for e in roster.events if isinstance(e, AttendanceRecorded)]
    assert len(recorded) == 2
    assert roster.attendance_list() == attendees


def test_with_check_in_members_who_did_not_check_in_are_no_shows(world):
    world.with_policy(uses_check_in=True)
    roster, (came, stayed_home) = _booked(world)
    check_in(roster, came.member_id, roster.session.starts_at - timedelta(minutes=10))
    end_session(roster, world.accounts, world.policy, roster.session.ends_at)
    by_member = {b.member_id: b for b in roster.bookings}
    assert by_member[came.member_id].no_show is False
    assert by_member[stayed_home.member_id].no_show is True
    # A no-show still used the credit: it is on the list, like everyone else.
    assert next(iter(stayed_home.entitlements.values())).credits.attended == 1


def test_without_check_in_nobody_is_flagged(world):
    roster, _ = _booked(world)
    end_session(roster, world.accounts, world.policy, roster.session.ends_at)
    assert not any(b.no_show for b in roster.bookings)


def test_session_cannot_end_early_or_twice(world):
    roster, _ = _booked(world)
    with pytest.raises(AppError) as caught:
        end_session(roster, world.accounts, world.policy, roster.session.ends_at - timedelta(minutes=1))
    assert caught.value.code == "session_not_over"
    end_session(roster, world.accounts, world.policy, roster.session.ends_at)
    with pytest.raises(AppError) as caught:
        end_session(roster, world.accounts, world.policy, roster.session.ends_at)
    assert caught.value.code == "session_ended"
    with pytest.raises(AppError) as caught:
        check_in(roster, roster.bookings[0].member_id, roster.session.ends_at)
    assert caught.value.code == "session_closed"


def test_signed_out_members_are_not_on_the_attendance_list(world):
    roster, (stays, leaves) = _booked(world)
    world.sign_out(roster, leaves)
    assert [b.member_id for b in roster.attendance_list()] == [stays.member_id]
