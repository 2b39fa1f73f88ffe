"""Entitlements from billing facts: idempotent, order-insensitive; which subscription pays; expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.credits import CreditBuckets
from gymloop_bookings.domain.entitlements import DatePeriod, EntitlementKind, SubscriptionFact
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.user_log import LogReason
from gymloop_kit.errors import AppError
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

STUDIO = uuid.UUID(int=1)
MEMBER = uuid.UUID(int=2)
SUBSCRIPTION = uuid.UUID(int=3)
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _fact(sequence, credits_total=4, **changes):
    values = {
        "subscription_id": SUBSCRIPTION,
        "studio_id": STUDIO,
        "member_id": MEMBER,
        "sequence": sequence,
        "kind": EntitlementKind.PACK,
        "valid_from": date(2026, 11, 1),
        "valid_until": date(2026, 12, 31),
        "credits_total": credits_total,
    }
    values.update(changes)
    return SubscriptionFact(**values)


def _account():
    return MemberAccount(studio_id=STUDIO, member_id=MEMBER)


# Activation (4 credits), a pause, a renewal (+4 = 8), and the end of the subscription.
HISTORY = (
    _fact(1, 4),
    _fact(2, 4, paused_periods=(DatePeriod(date(2026, 12, 10), date(2026, 12, 14)),)),
    _fact(3, 8, valid_until=date(2027, 1, 31), renewal=True),
    _fact(4, 8, valid_until=date(2027, 1, 31), ended_on=date(2027, 1, 15)),
)


def _state(account):
    entitlement = account.entitlements[SUBSCRIPTION]
    return (
        entitlement.sequence,
        entitlement.credits,
        entitlement.valid_until,
        entitlement.ended_on,
        entitlement.paused_periods,
    )


def test_facts_in_order_give_the_latest_terms():
    account = _account()
    for fact in HISTORY:
        assert account.apply_fact(fact, AT) is True
    sequence, credits, valid_until, ended_on, paused = _state(account)
    assert (sequence, credits.granted, credits.left) == (4, 8, 8)
    assert (valid_until, ended_on, paused) == (date(2027, 1, 31), date(2027, 1, 15), ())
    assert [(e.reason, e.change) for e in account.log] == [(LogReason.GRANTED, 4), (LogReason.RENEWED, 4)]


def test_redelivered_or_older_fact_is_ignored():
    account = _account()
    account.apply_fact(HISTORY[2], AT)
    log_length = len(account.log)
    assert account.apply_fact(HISTORY[2], AT) is False
    assert account.apply_fact(HISTORY[0], AT) is False
    assert account.entitlements[SUBSCRIPTION].credits.granted == 8
    assert len(account.log) == log_length


@settings(max_examples=40, deadline=None)
@given(st.permutations(HISTORY), st.lists(st.sampled_from(HISTORY), max_size=4))
def test_any_order_with_duplicates_converges_on_the_newest_fact(order, duplicates):
    expected = _account()
    for fact in HISTORY:
        expected.apply_fact(fact, AT)
    account = _account()
    for fact in [*order, *duplicates]:
        account.apply_fact(fact, AT)
    assert _state(account) == _state(expected)
    assert account.entitlements[SUBSCRIPTION].credits.is_conserved


def test_lower_total_takes_back_only_unused_credits():
    account = _account()
    account.apply_fact(_fact(1, 4), AT)
    account.entitlements[SUBSCRIPTION].credits = account.entitlements[SUBSCRIPTION].credits.hold().hold()
    account.apply_fact(_fact(2, 1), AT)
    credits = account.entitlements[SUBSCRIPTION].credits
    assert (credits.granted, credits.left, credits.held) == (2, 0, 2)
    assert credits.is_conserved
    assert account.log[-1].change == -2


def test_fact_for_another_member_is_refused():
    with pytest.raises(AppError) as caught:
        _account().apply_fact(_fact(1, member_id=uuid.UUID(int=99)), AT)
    assert caught.value.code == "fact_for_other_member"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"credits_total": -1}, "credits_negative"),
        ({"weekly_limit": 0}, "weekly_limit_invalid"),
        ({"valid_until": date(2026, 10, 1)}, "validity_reversed"),
    ],
)
def test_invalid_facts_are_refused(changes, code):
    with pytest.raises(AppError) as caught:
        _fact(1, **changes)
    assert caught.value.code == code


def test_reversed_pause_is_refused():
    with pytest.raises(AppError) as caught:
        DatePeriod(date(2026, 12, 5), date(2026, 12, 1))
    assert caught.value.code == "period_reversed"


def test_the_subscription_expiring_first_pays(world):
    member = world.member()
    later = world.subscribe(member, credits=5, valid_until=date(2026, 12, 31))
    sooner = world.subscribe(member, credits=5, valid_until=date(2026, 12, 8))
    unlimited = world.subscribe(member, kind=EntitlementKind.UNLIMITED, valid_until=None)
    first = world.sign_up(world.session(starts_in=timedelta(days=1)), member).booking
    assert first.subscription_id == sooner
    # After 8 December the pack expiring later pays, and the open-ended plan only after that.
    second = world.sign_up(world.session(starts_in=timedelta(days=10)), member).booking
    assert second.subscription_id == later
    third = world.sign_up(world.session(starts_in=timedelta(days=40)), member, actor=world.staff).booking
    assert third.subscription_id == unlimited


def test_a_paused_pack_lets_another_subscription_pay(world):
    member = world.member()
    world.subscribe(member, valid_until=date(2026, 12, 8), paused=(DatePeriod(date(2026, 12, 1), date(2026, 12, 2)),))
    other = world.subscribe(member, valid_until=date(2026, 12, 31))
    booking = world.sign_up(world.session(starts_in=timedelta(days=1)), member).booking
    assert booking.subscription_id == other


def test_ended_subscription_cannot_pay_from_its_end_date(world):
    member = world.member()
    subscription_id = world.subscribe(member, valid_until=None)
    member.apply_fact(
        SubscriptionFact(
            subscription_id=subscription_id,
            studio_id=world.studio_id,
            member_id=member.member_id,
            sequence=5,
            kind=EntitlementKind.PACK,
            valid_from=date(2026, 11, 1),
            credits_total=6,
            ended_on=date(2026, 12, 3),
        ),
        world.now,
    )
    assert world.sign_up(world.session(starts_in=timedelta(days=2)), member).booking is not None
    with pytest.raises(AppError) as caught:
        world.sign_up(world.session(starts_in=timedelta(days=4)), member)
    assert caught.value.code == "subscription_ended"


def test_expiry_moves_unused_credits_and_logs_it(world):
    member = world.member()
    world.subscribe(member, credits=6, valid_until=date(2026, 12, 8))
    world.sign_up(world.session(starts_in=timedelta(days=1)), member)
    today = date(2026, 12, 8)
    assert member.expire_lapsed(today, world.now) == 0  # still valid on its last day
    assert member.expire_lapsed(date(2026, 12, 9), world.now) == 5
    credits = next(iter(member.entitlements.values())).credits
    assert (credits.left, credits.held, credits.expired) == (0, 1, 5)
    assert (member.log[-1].reason, member.log[-1].change, member.log[-1].available_after) == (
        LogReason.EXPIRED,
        -5,
        0,
    )
    assert member.expire_lapsed(date(2026, 12, 10), world.now) == 0
    assert member.available_credits(date(2026, 12, 9)) == 0


def test_unlimited_plan_logs_bookings_without_a_count(world):
    member = world.member()
    world.subscribe(member, kind=EntitlementKind.UNLIMITED, valid_until=None)
    world.sign_up(world.session(), member)
    assert (member.log[-1].reason, member.log[-1].change, member.log[-1].available_after) == (
        LogReason.SIGNED_UP,
        0,
        None,
    )
    assert member.available_credits(world.policy.today(world.now)) == 0


def test_credit_buckets_conserve_through_every_move():
    buckets = CreditBuckets().grant(5).hold().hold().hold().release().forfeit().expire_left()
    assert buckets == CreditBuckets(granted=5, left=0, held=1, forfeited=1, attended=0, expired=3)
    assert buckets.consume().is_conserved
    assert not CreditBuckets(granted=2, left=1).is_conserved
    with pytest.raises(AssertionError):
        CreditBuckets().hold()


def test_policy_refuses_unknown_time_zone_and_negative_durations():
    with pytest.raises(AppError) as caught:
        BookingPolicy(time_zone="Mars/Olympus")
    assert caught.value.code == "time_zone_unknown"
    with pytest.raises(AppError) as caught:
        BookingPolicy(time_zone="Europe/Amsterdam", cancellation_cutoff=timedelta(hours=-1))
    assert caught.value.field == "cancellation_cutoff"
