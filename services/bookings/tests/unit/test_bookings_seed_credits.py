"""Seed 002: credits are charged at sign-up, returned at sign-out, and the user log replays every change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gymloop_bookings.domain.user_log import LogReason

pytestmark = pytest.mark.unit


def test_peter_has_five_sessions_and_one_active_sign_up_after_signing_up(world):
    peter = world.member()
    world.subscribe(peter, credits=6, valid_until=date(2026, 12, 8))
    assert world.left(peter) == 6
    assert peter.active_sign_ups(world.now) == []

    result = world.sign_up(world.session(starts_in=timedelta(days=7)), peter)

    assert result.booking is not None
    assert world.left(peter) == 5
    assert len(peter.active_sign_ups(world.now)) == 1


def test_peters_second_sign_up_leaves_four_and_two_active_sign_ups(world):
    peter = world.member()
    world.subscribe(peter, credits=6, valid_until=date(2026, 12, 8))
    world.sign_up(world.session(starts_in=timedelta(days=1)), peter)
    world.sign_up(world.session(starts_in=timedelta(days=2)), peter)
    assert world.left(peter) == 4
    assert len(peter.active_sign_ups(world.now)) == 2


def test_a_session_that_took_place_is_no_longer_an_active_sign_up(world):
    peter = world.member()
    world.subscribe(peter, credits=6)
    world.sign_up(world.session(starts_in=timedelta(hours=3)), peter)
    assert len(peter.active_sign_ups(world.now)) == 1
    assert peter.active_sign_ups(world.now + timedelta(hours=4)) == []


def test_user_log_replays_the_seed_history_with_the_employee_as_actor(world):
    member = world.member()
    subscription_id = world.subscribe(member, credits=4)
    first, second, third = (world.session(starts_in=timedelta(days=d)) for d in (1, 2, 3))

    world.sign_up(first, member, actor=world.staff)
    world.sign_out(first, member, actor=world.staff)
    world.sign_up(second, member, actor=world.staff)
    world.sign_up(third, member, actor=world.staff)

    log = member.log
    assert [e.available_after for e in log] == [4, 3, 4, 3, 2]
    assert [e.reason for e in log] == [
        LogReason.GRANTED,
        LogReason.SIGNED_UP,
        LogReason.SIGNED_OUT,
        LogReason.SIGNED_UP,
        LogReason.SIGNED_UP,
    ]
    assert [e.change for e in log] == [4, -1, 1, -1, -1]
    assert all(e.actor == world.staff for e in log[1:])
    assert log[0].actor.role == "system"
    assert {e.subscription_id for e in log} == {subscription_id}
    assert [e.session_id for e in log[1:]] == [
        first.session.session_id,
        first.session.session_id,
        second.session.session_id,
        third.session.session_id,
    ]
    # Replaying the changes from zero gives each logged balance: the log is self-consistent.
    running = 0
    for entry in log:
        running += entry.change
        assert running == entry.available_after
