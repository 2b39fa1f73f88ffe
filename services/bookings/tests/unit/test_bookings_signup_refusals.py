"""Bad sign-ups: each is an AppError with a code, field and message, and charges nothing."""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta

import pytest
from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.entitlements import DatePeriod, EntitlementKind
from gymloop_kit.errors import AppError

pytestmark = pytest.mark.unit


def _refused(world, roster, account, code, actor=None):
    credits_before = {k: copy.copy(e.credits) for k, e in account.entitlements.items()}
    bookings_before = len(roster.bookings)
    log_before = len(account.log)
    events_before = len(roster.events)
    with pytest.raises(AppError) as caught:
        world.sign_up(roster, account, actor=actor)
    error = caught.value
    assert error.code == code
    assert error.message
    assert error.field is not None
    assert {k: e.credits for k, e in account.entitlements.items()} == credits_before
    assert len(roster.bookings) == bookings_before
    assert len(account.log) == log_before
    assert len(roster.events) == events_before
    return error


def test_past_session_is_refused(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session(starts_in=-timedelta(hours=2))
    _refused(world, roster, member, "session_in_past")


def test_session_starting_right_now_is_refused(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session(starts_in=timedelta(0))
    _refused(world, roster, member, "session_in_past")


def test_cancelled_session_is_refused(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session()
    cancel_session(roster, world.accounts, world.policy, world.staff, world.now)
    _refused(world, roster, member, "session_cancelled")


def test_member_without_subscription_is_refused(world):
    member = world.member()
    error = _refused(world, world.session(), member, "no_entitlement")
    assert error.field == "member_id"


def test_pack_with_no_credits_left_is_refused(world):
    member = world.member()
    world.subscribe(member, credits=1)
    world.sign_up(world.session(starts_in=timedelta(days=1)), member)
    _refused(world, world.session(starts_in=timedelta(days=2)), member, "no_credits_left")


def test_session_after_the_pack_runs_out_is_refused(world):
    member = world.member()
    world.subscribe(member, valid_until=date(2026, 12, 1))
    _refused(world, world.session(starts_in=timedelta(days=3)), member, "no_entitlement")


def test_unlimited_beyond_weekly_limit_is_refused(world):
    member = world.member()
    world.subscribe(member, kind=EntitlementKind.UNLIMITED, weekly_limit=2, valid_until=None)
    # Monday 30 Nov 2026: Tuesday and Wednesday fill the ISO week, Thursday is one too many.
    world.sign_up(world.session(starts_in=timedelta(days=1)), member)
    world.sign_up(world.session(starts_in=timedelta(days=2)), member)
    error = _refused(world, world.session(starts_in=timedelta(days=3)), member, "weekly_limit_reached")
    assert "2 of 2" in error.message


def test_unlimited_weekly_limit_counts_per_iso_week(world):
    member = world.member()
    world.subscribe(member, kind=EntitlementKind.UNLIMITED, weekly_limit=1, valid_until=None)
    world.sign_up(world.session(starts_in=timedelta(days=6)), member)  # Sunday, week 49
    result = world.sign_up(world.session(starts_in=timedelta(days=7)), member)  # Monday, week 50
    assert result.booking is not None
    assert result.booking.charged_credit is False


def test_booking_twice_is_refused(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session()
    world.sign_up(roster, member)
    _refused(world, roster, member, "already_booked")
    assert world.left(member) == 5


def test_overlapping_booking_is_refused(world):
    member = world.member()
    world.subscribe(member)
    world.sign_up(world.session(starts_in=timedelta(hours=24), duration=timedelta(hours=1)), member)
    overlapping = world.session(starts_in=timedelta(hours=24, minutes=30))
    error = _refused(world, overlapping, member, "overlapping_booking")
    assert "sign out of that one first" in error.message


def test_back_to_back_sessions_do_not_overlap(world):
    member = world.member()
    world.subscribe(member)
    world.sign_up(world.session(starts_in=timedelta(hours=24), duration=timedelta(hours=1)), member)
    assert world.sign_up(world.session(starts_in=timedelta(hours=25)), member).booking is not None


def test_member_outside_booking_window_is_refused(world):
    world.with_policy(booking_window=timedelta(days=7))
    member = world.member()
    world.subscribe(member, valid_until=None)
    error = _refused(world, world.session(starts_in=timedelta(days=8)), member, "outside_booking_window")
    assert "opens at" in error.message


def test_staff_may_book_beyond_the_window_unless_the_studio_forbids_it(world):
    world.with_policy(booking_window=timedelta(days=7))
    member = world.member()
    world.subscribe(member, valid_until=None)
    assert world.sign_up(world.session(starts_in=timedelta(days=8)), member, actor=world.staff).booking
    world.with_policy(staff_may_book_beyond_window=False)
    _refused(world, world.session(starts_in=timedelta(days=9)), member, "outside_booking_window", world.staff)


def test_session_inside_a_paused_period_is_refused(world):
    member = world.member()
    world.subscribe(member, paused=(DatePeriod(date(2026, 12, 1), date(2026, 12, 3)),))
    _refused(world, world.session(starts_in=timedelta(days=2)), member, "subscription_paused")
    # The day after the pause is bookable again.
    assert world.sign_up(world.session(starts_in=timedelta(days=4)), member).booking is not None


def test_member_cannot_sign_up_someone_else(world):
    member, other = world.member(), world.member()
    world.subscribe(member)
    _refused(world, world.session(), member, "not_allowed", actor=Actor.member(other.member_id))


def test_full_session_without_waitlist_is_refused(world):
    world.with_policy(waitlist_enabled=False)
    first, second = world.member(), world.member()
    world.subscribe(first)
    world.subscribe(second)
    roster = world.session(capacity=1)
    world.sign_up(roster, first)
    _refused(world, roster, second, "session_full")


def test_full_session_after_waitlist_cutoff_is_refused(world):
    world.with_policy(waitlist_cutoff=timedelta(hours=3))
    first, second = world.member(), world.member()
    world.subscribe(first)
    world.subscribe(second)
    roster = world.session(starts_in=timedelta(hours=2), capacity=1)
    world.sign_up(roster, first)
    error = _refused(world, roster, second, "session_full")
    assert "waitlist has closed" in error.message


def test_session_of_another_studio_is_refused(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session()
    roster.session.studio_id = uuid.uuid4()
    _refused(world, roster, member, "session_not_found")


def test_domain_error_carries_code_field_and_message():
    error = AppError("check the digits", code="iban_invalid", field="iban")
    assert error.as_dict() == {"code": "iban_invalid", "field": "iban", "message": "check the digits"}
    assert "iban_invalid" in repr(error)


def test_employee_role_is_staff_and_member_is_not():
    assert Actor(uuid.uuid4(), ActorRole.ADMIN).is_staff
    assert not Actor.member(uuid.uuid4()).is_staff
