"""Overdue blocks booking: a member whose payments are overdue cannot sign up (nor join the waitlist) unless the
studio lets overdue members book; staff book them all the same with a reason, which the user log keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.payment_standing import PaymentStanding
from gymloop_bookings.domain.signup import sign_up
from gymloop_bookings.domain.user_log import LogReason
from gymloop_kit.errors import AppError

pytestmark = pytest.mark.unit

OVERDUE = PaymentStanding(overdue=True)


def test_an_overdue_member_is_refused_with_what_to_do_and_nothing_is_charged(world):
    member = world.member()
    world.subscribe(member, credits=3)
    roster = world.session()
    with pytest.raises(AppError) as caught:
        sign_up(roster, member, world.policy, _self(member), world.now, standing=OVERDUE)
    assert (caught.value.status_code, caught.value.code, caught.value.field) == (409, "payment_overdue", "member_id")
    assert "overdue" in caught.value.message
    assert "pay the open amount" in caught.value.message
    assert (roster.bookings, _bookings_logged(member), roster.events, world.left(member)) == ([], [], [], 3)


def test_a_full_session_does_not_put_an_overdue_member_on_its_waitlist(world):
    member, other = world.member(), world.member()
    world.subscribe(member)
    world.subscribe(other)
    roster = world.session(capacity=1)
    world.sign_up(roster, other)
    with pytest.raises(AppError) as caught:
        sign_up(roster, member, world.policy, _self(member), world.now, standing=OVERDUE)
    assert caught.value.code == "payment_overdue"
    assert roster.waitlist == []


def test_staff_need_a_reason_to_book_an_overdue_member(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session()
    for reason in (None, "   "):
        with pytest.raises(AppError) as caught:
            sign_up(roster, member, world.policy, world.staff, world.now, standing=OVERDUE, reason=reason)
        assert (caught.value.status_code, caught.value.code, caught.value.field) == (
            422,
            "overdue_reason_required",
            "reason",
        )
    assert roster.bookings == []


def test_staff_booking_an_overdue_member_with_a_reason_is_kept_in_the_user_log(world):
    member = world.member()
    world.subscribe(member, credits=3)
    roster = world.session()
    result = sign_up(
        roster, member, world.policy, world.staff, world.now, standing=OVERDUE, reason=" paid in cash tomorrow "
    )
    assert result.booking is not None
    (entry,) = _bookings_logged(member)
    assert (entry.reason, entry.note, entry.actor, entry.change) == (
        LogReason.SIGNED_UP_WHILE_OVERDUE,
        "paid in cash tomorrow",
        world.staff,
        -1,
    )
    assert world.left(member) == 2


def test_a_studio_letting_overdue_members_book_books_them_as_usual(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session(starts_in=timedelta(days=2))
    standing = PaymentStanding(overdue=True, overdue_members_may_book=True)
    result = sign_up(roster, member, world.policy, _self(member), world.now, standing=standing)
    assert result.booking is not None
    assert [(e.reason, e.note) for e in _bookings_logged(member)] == [(LogReason.SIGNED_UP, None)]


def test_staff_booking_a_member_who_is_not_overdue_log_no_exception(world):
    member = world.member()
    world.subscribe(member)
    roster = world.session()
    sign_up(roster, member, world.policy, world.staff, world.now, reason="just because")
    assert [(e.reason, e.note) for e in _bookings_logged(member)] == [(LogReason.SIGNED_UP, None)]


def _self(member):
    return Actor.member(member.member_id)


def _bookings_logged(member):
    return [entry for entry in member.log if entry.booking_id is not None]
