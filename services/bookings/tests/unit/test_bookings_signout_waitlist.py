"""Sign-out before and after the cutoff, waitlist promotion, session cancellation and capacity changes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.entitlements import DatePeriod
from gymloop_bookings.domain.events import BookingCancelled, SessionBooked, SessionCancelled, WaitlistSkipped
from gymloop_bookings.domain.promotion import leave_waitlist, promote_waitlist
from gymloop_bookings.domain.user_log import LogReason
from gymloop_bookings.domain.waitlist import WaitlistStatus
from gymloop_kit.errors import AppError

pytestmark = pytest.mark.unit


def _members(world, count, credits=6):
    members = [world.member() for _ in range(count)]
    for member in members:
        world.subscribe(member, credits=credits)
    return members


def test_sign_out_before_cutoff_returns_the_credit(world):
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(hours=5))
    world.sign_up(roster, member)
    world.sign_out(roster, member)
    assert world.left(member) == 6
    assert roster.bookings[0].status is BookingStatus.SIGNED_OUT
    event = roster.events[-1]
    assert isinstance(event, BookingCancelled)
    assert (event.late, event.credit_returned) == (False, True)


def test_late_sign_out_forfeits_the_credit(world):
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(hours=1))  # cutoff is 2 hours
    world.sign_up(roster, member)
    world.sign_out(roster, member)
    entitlement = next(iter(member.entitlements.values()))
    assert world.left(member) == 5
    assert (entitlement.credits.forfeited, entitlement.credits.held) == (1, 0)
    assert roster.bookings[0].status is BookingStatus.LATE_CANCELLED
    assert member.log[-1].reason is LogReason.LATE_CANCEL_FORFEIT
    assert (member.log[-1].change, member.log[-1].available_after) == (0, 5)
    event = roster.events[-1]
    assert (event.late, event.credit_returned) == (True, False)
    assert roster.free_places == roster.session.capacity


def test_late_sign_out_returns_the_credit_when_the_studio_does_not_forfeit(world):
    world.with_policy(late_cancel_forfeits=False)
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(minutes=30))
    world.sign_up(roster, member)
    world.sign_out(roster, member)
    assert world.left(member) == 6
    assert roster.events[-1].late is True
    assert roster.events[-1].credit_returned is True


def test_cutoff_is_configurable(world):
    world.with_policy(cancellation_cutoff=timedelta(hours=24))
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(hours=20))
    world.sign_up(roster, member)
    world.sign_out(roster, member)
    assert world.left(member) == 5


def test_sign_out_after_start_is_refused(world):
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(hours=1))
    world.sign_up(roster, member)
    world.now += timedelta(hours=1)
    with pytest.raises(AppError) as caught:
        world.sign_out(roster, member)
    assert caught.value.code == "session_started"
    assert roster.bookings[0].is_active


def test_sign_out_without_booking_is_refused(world):
    (member,) = _members(world, 1)
    with pytest.raises(AppError) as caught:
        world.sign_out(world.session(), member)
    assert caught.value.code == "not_booked"


def test_full_session_puts_member_on_waitlist_without_charging(world):
    first, second = _members(world, 2)
    roster = world.session(capacity=1)
    world.sign_up(roster, first)
    result = world.sign_up(roster, second)
    assert result.waitlisted
    assert result.booking is None
    assert world.left(second) == 6
    assert roster.waiting_member_ids() == [second.member_id]
    with pytest.raises(AppError) as caught:
        world.sign_up(roster, second)
    assert caught.value.code == "already_waitlisted"


def test_freed_place_goes_to_the_first_waiting_member_who_is_charged_at_promotion(world):
    booked, early, late = _members(world, 3)
    roster = world.session(capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, early)
    world.now += timedelta(minutes=1)
    world.sign_up(roster, late)

    world.sign_out(roster, booked)
    promoted = world.promote(roster)

    assert [b.member_id for b in promoted] == [early.member_id]
    assert world.left(early) == 5
    assert world.left(late) == 6
    assert early.log[-1].reason is LogReason.PROMOTED
    assert early.log[-1].actor.role == "system"
    assert roster.waiting_member_ids() == [late.member_id]
    assert roster.free_places == 0
    booked_event = roster.events[-1]
    assert isinstance(booked_event, SessionBooked)
    assert booked_event.via_waitlist is True


def test_waiting_member_who_can_no_longer_pay_is_skipped_with_reason(world):
    booked, broke, able = _members(world, 3, credits=1)
    roster = world.session(starts_in=timedelta(days=2), capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, broke)
    world.sign_up(roster, able)
    world.sign_up(world.session(starts_in=timedelta(days=1)), broke)  # spends broke's only credit

    world.sign_out(roster, booked)
    promoted = world.promote(roster)

    assert [b.member_id for b in promoted] == [able.member_id]
    skipped = next(e for e in roster.waitlist if e.member_id == broke.member_id)
    assert skipped.status is WaitlistStatus.SKIPPED
    assert skipped.skip_code == "no_credits_left"
    assert skipped.skip_reason
    assert any(isinstance(e, WaitlistSkipped) and e.member_id == broke.member_id for e in roster.events)
    assert world.left(broke) == 0


def test_waiting_member_with_an_overlapping_booking_is_skipped(world):
    booked, waiting = _members(world, 2)
    roster = world.session(starts_in=timedelta(days=1), capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    world.sign_up(world.session(starts_in=timedelta(days=1, minutes=15)), waiting)
    world.sign_out(roster, booked)
    assert world.promote(roster) == []
    assert roster.waitlist[0].skip_code == "overlapping_booking"


def test_waiting_member_paused_on_that_day_is_skipped(world):
    booked, waiting = _members(world, 2)
    roster = world.session(starts_in=timedelta(days=2), capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    subscription_id = next(iter(waiting.entitlements))
    world.subscribe(
        waiting, subscription_id=subscription_id, paused=(DatePeriod(date(2026, 12, 2), date(2026, 12, 2)),)
    )
    world.sign_out(roster, booked)
    assert world.promote(roster) == []
    assert roster.waitlist[0].skip_code == "subscription_paused"


def test_no_promotion_after_the_waitlist_cutoff(world):
    booked, waiting = _members(world, 2)
    roster = world.session(starts_in=timedelta(hours=6), capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    world.now += timedelta(hours=5, minutes=1)  # cutoff is 1 hour before the start
    world.sign_out(roster, booked)
    assert world.promote(roster) == []
    assert roster.free_places == 1
    assert roster.waiting_member_ids() == [waiting.member_id]
    assert world.left(waiting) == 6


def test_member_can_leave_the_waitlist(world):
    booked, waiting = _members(world, 2)
    roster = world.session(capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    leave_waitlist(roster, waiting.member_id, world.now)
    assert roster.waiting == []
    with pytest.raises(AppError) as caught:
        leave_waitlist(roster, waiting.member_id, world.now)
    assert caught.value.code == "not_waitlisted"


def test_waitlisted_member_signing_out_is_told_to_leave_the_waitlist(world):
    booked, waiting = _members(world, 2)
    roster = world.session(capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    with pytest.raises(AppError) as caught:
        world.sign_out(roster, waiting)
    assert caught.value.code == "only_waitlisted"


def test_raising_capacity_lets_the_waitlist_in_and_lowering_below_bookings_is_refused(world):
    first, second, third = _members(world, 3)
    roster = world.session(capacity=1)
    for member in (first, second, third):
        world.sign_up(roster, member)
    roster.change_capacity(2)
    promoted = world.promote(roster)
    assert [b.member_id for b in promoted] == [second.member_id]
    with pytest.raises(AppError) as caught:
        roster.change_capacity(1)
    assert caught.value.code == "capacity_below_bookings"
    assert roster.session.capacity == 2


def test_cancelling_a_session_refunds_everyone_and_closes_the_waitlist(world):
    first, second, waiting = _members(world, 3)
    roster = world.session(capacity=2)
    for member in (first, second, waiting):
        world.sign_up(roster, member)
    refunded = cancel_session(roster, world.accounts, world.policy, world.staff, world.now, reason="coach ill")
    assert {b.member_id for b in refunded} == {first.member_id, second.member_id}
    assert world.left(first) == world.left(second) == 6
    assert first.log[-1].reason is LogReason.SESSION_CANCELLED_REFUND
    assert first.log[-1].actor == world.staff
    assert roster.waiting == []
    assert roster.waitlist[0].status is WaitlistStatus.CLOSED
    event = roster.events[-1]
    assert isinstance(event, SessionCancelled)
    assert set(event.refunded_member_ids) == {first.member_id, second.member_id}
    assert world.promote(roster) == []


def test_cancelling_twice_or_by_a_member_is_refused(world):
    (member,) = _members(world, 1)
    roster = world.session()
    with pytest.raises(AppError) as caught:
        cancel_session(roster, world.accounts, world.policy, Actor.member(member.member_id), world.now)
    assert caught.value.code == "not_allowed"
    cancel_session(roster, world.accounts, world.policy, world.staff, world.now)
    with pytest.raises(AppError) as caught:
        cancel_session(roster, world.accounts, world.policy, world.staff, world.now)
    assert caught.value.code == "session_cancelled"


def test_refund_on_a_pack_that_has_since_lapsed_expires_at_once(world):
    (member,) = _members(world, 1)
    roster = world.session(starts_in=timedelta(days=7))  # 7 December, pack valid until 8 December
    world.sign_up(roster, member)
    world.now += timedelta(days=9)  # 9 December: the pack ran out; the session is moved and cancelled
    roster.session.starts_at = world.now + timedelta(days=1)
    roster.session.ends_at = roster.session.starts_at + timedelta(hours=1)
    member.expire_lapsed(world.policy.today(world.now), world.now)
    cancel_session(roster, world.accounts, world.policy, world.staff, world.now)
    credits = next(iter(member.entitlements.values())).credits
    assert (credits.left, credits.held, credits.expired) == (0, 0, 6)
    assert [e.reason for e in member.log[-3:]] == [
        LogReason.EXPIRED,
        LogReason.SESSION_CANCELLED_REFUND,
        LogReason.EXPIRED,
    ]
    assert credits.is_conserved


def test_promote_with_every_account_uses_injected_ids(world):
    booked, waiting = _members(world, 2)
    roster = world.session(capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, waiting)
    world.sign_out(roster, booked)
    fixed = iter([uuid.UUID(int=42)])
    promoted = promote_waitlist(roster, world.accounts, world.policy, world.now, new_id=lambda: next(fixed))
    assert promoted[0].booking_id.int == 42


def test_promotion_passes_over_a_member_whose_overdue_payments_block_booking(world):
    booked, overdue, paid_up = _members(world, 3)
    roster = world.session(capacity=1)
    world.sign_up(roster, booked)
    world.sign_up(roster, overdue)  # waitlisted first
    world.sign_up(roster, paid_up)
    world.sign_out(roster, booked)
    promoted = promote_waitlist(
        roster, world.accounts, world.policy, world.now, blocked_by_payments={overdue.member_id}
    )
    assert [b.member_id for b in promoted] == [paid_up.member_id]
    skipped = [e for e in roster.events if isinstance(e, WaitlistSkipped)]
    assert [(e.member_id, e.code) for e in skipped] == [(overdue.member_id, "payment_overdue")]
    assert world.left(overdue) == 6  # nothing charged to the member passed over
