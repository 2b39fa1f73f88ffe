"""Merging billing's subscription events into entitlement facts: any order, duplicates, converges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.entitlements import EntitlementKind
from gymloop_bookings.messaging.billing_facts import fact_from, merge
from gymloop_contracts.events.billing import (
    SubscriptionActivated,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
)
from gymloop_contracts.events.common import DateRange
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

STUDIO, MEMBER, SUBSCRIPTION = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)
END = date(2026, 12, 20)
PAUSE = DateRange(start=date(2026, 11, 10), end=date(2026, 11, 12))

HISTORY = (
    (
        1,
        SubscriptionActivated(
            subscription_id=SUBSCRIPTION, member_id=MEMBER, plan_id=uuid.uuid4(), plan_name="10-ride card",
            plan_kind="pack", credits=10, valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30),
            collection_method="offline",
        ),
    ),
    (
        2,
        SubscriptionPaused(
            subscription_id=SUBSCRIPTION, member_id=MEMBER, pause=PAUSE, valid_until=date(2026, 12, 3),
            paused_periods=[PAUSE],
        ),
    ),
    (
        3,
        SubscriptionRenewed(
            subscription_id=SUBSCRIPTION, member_id=MEMBER, credits_granted=10, valid_from=date(2026, 12, 4),
            valid_until=date(2027, 1, 3),
        ),
    ),
    (4, SubscriptionEnded(subscription_id=SUBSCRIPTION, member_id=MEMBER, ended_on=END, reason="stopped")),
)  # fmt: skip


def _replay(events):
    state: dict = {}
    account = MemberAccount(studio_id=STUDIO, member_id=MEMBER)
    for sequence, event in events:
        state = merge(state, event, sequence)
        account.apply_fact(fact_from(state, SUBSCRIPTION, STUDIO, MEMBER), AT)
    return account.entitlements[SUBSCRIPTION], account


def test_history_in_order_gives_the_latest_terms_and_all_credits():
    entitlement, account = _replay(HISTORY)
    assert entitlement.kind is EntitlementKind.PACK
    assert entitlement.credits.granted == 20
    assert entitlement.valid_from == date(2026, 11, 1)
    assert entitlement.valid_until == date(2027, 1, 3)
    assert entitlement.ended_on == date(2026, 12, 20)
    assert entitlement.is_paused_on(date(2026, 11, 11))
    assert [e.reason.value for e in account.log] == ["granted", "renewed"]


@settings(max_examples=30, deadline=None)
@given(st.permutations(HISTORY), st.lists(st.sampled_from(HISTORY), max_size=3))
def test_any_order_with_redeliveries_converges(order, redelivered):
    expected, _ = _replay(HISTORY)
    entitlement, _ = _replay([*order, *redelivered])
    assert entitlement.credits == expected.credits
    assert (entitlement.valid_until, entitlement.ended_on, entitlement.paused_periods) == (
        expected.valid_until,
        expected.ended_on,
        expected.paused_periods,
    )
    assert entitlement.kind is EntitlementKind.PACK


def test_unlimited_plan_with_weekly_limit():
    event = SubscriptionActivated(
        subscription_id=SUBSCRIPTION, member_id=MEMBER, plan_id=uuid.uuid4(), plan_name="Unlimited",
        plan_kind="unlimited", weekly_limit=3, valid_from=date(2026, 11, 1), collection_method="stripe",
    )  # fmt: skip
    fact = fact_from(merge({}, event, 1), SUBSCRIPTION, STUDIO, MEMBER)
    assert (fact.kind, fact.weekly_limit, fact.credits_total, fact.valid_until) == (
        EntitlementKind.UNLIMITED,
        3,
        0,
        None,
    )
