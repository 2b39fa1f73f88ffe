"""Change tracking (no I/O): each use case's rules change only the rows and columns they are about, so the
store writes nothing else; above all, member-lock work (billing facts, expiry) writes no booking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gymloop_bookings.db.mapping import booking_values, entitlement_values, session_values
from gymloop_bookings.db.tracking import ChangeTracker, RowWrite
from gymloop_bookings.domain.attendance import check_in
from gymloop_bookings.domain.bookings import Booking
from gymloop_bookings.domain.entitlements import Entitlement

pytestmark = pytest.mark.unit


def _tracked(bookings: list[Booking], entitlements: list[Entitlement]) -> ChangeTracker:
    """A tracker that has 'read' these rows, as the store does when it loads them."""
    tracker = ChangeTracker()
    for booking in bookings:
        tracker.read("booking", booking.booking_id, booking_values(booking))
    for entitlement in entitlements:
        tracker.read("entitlement", entitlement.subscription_id, entitlement_values(entitlement))
    return tracker


def _booking_writes(tracker: ChangeTracker, bookings: list[Booking]) -> list[RowWrite]:
    changes = (tracker.change("booking", b.booking_id, booking_values(b)) for b in bookings)
    return [write for write in changes if write is not None]


def _booked(world):
    roster = world.session(starts_in=timedelta(hours=3))
    member = world.member()
    subscription_id = world.subscribe(member, credits=5)
    world.sign_up(roster, member)
    return roster, member, subscription_id


def test_a_check_in_changes_only_the_arrival_columns(world):
    roster, member, _ = _booked(world)
    tracker = _tracked(roster.bookings, list(member.entitlements.values()))

    check_in(roster, member.member_id, world.now)

    (write,) = _booking_writes(tracker, roster.bookings)
    assert not write.insert
    assert write.columns == ("checked_in_at", "marked_present")
    assert write.values == {"checked_in_at": world.now, "marked_present": True}


def test_a_billing_renewal_changes_the_entitlement_and_writes_no_booking(world):
    _, member, subscription_id = _booked(world)
    tracker = _tracked(member.bookings, list(member.entitlements.values()))

    world.subscribe(member, credits=10, subscription_id=subscription_id)  # the next fact: 5 more credits

    assert _booking_writes(tracker, member.bookings) == []
    entitlement = member.entitlements[subscription_id]
    write = tracker.change("entitlement", subscription_id, entitlement_values(entitlement))
    assert write is not None
    assert write.values == {"granted": 10, "credits_left": 9, "sequence": 2}


def test_expiring_a_lapsed_pack_writes_no_booking(world):
    _, member, subscription_id = _booked(world)
    tracker = _tracked(member.bookings, list(member.entitlements.values()))

    later = world.now + timedelta(days=60)
    assert member.expire_lapsed(world.policy.today(later), later) == 4

    assert _booking_writes(tracker, member.bookings) == []
    write = tracker.change("entitlement", subscription_id, entitlement_values(member.entitlements[subscription_id]))
    assert write is not None
    assert write.values == {"credits_left": 0, "expired": 4}


def test_a_sign_up_inserts_the_new_booking_and_leaves_the_others_alone(world):
    roster, _, _ = _booked(world)
    tracker = _tracked(roster.bookings, [])
    tracker.read("session", roster.session.session_id, session_values(roster.session))
    second = world.member()
    world.subscribe(second)

    booking = world.sign_up(roster, second).booking

    assert booking is not None
    (write,) = _booking_writes(tracker, roster.bookings)
    assert (write.key, write.insert) == (booking.booking_id, True)
    assert write.values == booking_values(booking)
    assert tracker.change("session", roster.session.session_id, session_values(roster.session)) is None


def test_a_sign_out_changes_the_status_and_who_cancelled_when(world):
    roster, member, _ = _booked(world)
    tracker = _tracked(roster.bookings, [])

    world.sign_out(roster, member)

    (write,) = _booking_writes(tracker, roster.bookings)
    assert write.columns == ("cancelled_at", "cancelled_by_id", "cancelled_by_role", "status")


def test_what_was_written_is_not_written_again(world):
    roster, member, _ = _booked(world)
    tracker = ChangeTracker()
    (insert,) = _booking_writes(tracker, roster.bookings)
    tracker.written([insert])
    assert _booking_writes(tracker, roster.bookings) == []

    check_in(roster, member.member_id, world.now)
    (update,) = _booking_writes(tracker, roster.bookings)
    tracker.written([update])
    assert _booking_writes(tracker, roster.bookings) == []


def test_the_first_read_of_a_row_is_what_counts(world):
    roster, _, _ = _booked(world)
    (booking,) = roster.bookings
    tracker = _tracked([booking], [])
    tracker.read("booking", booking.booking_id, {**booking_values(booking), "marked_present": True})
    assert tracker.change("booking", booking.booking_id, booking_values(booking)) is None
