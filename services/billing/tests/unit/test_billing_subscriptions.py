from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.plans import BillingPeriod, Plan, PlanKind
from gymloop_billing.domain.subscriptions import (
    PausedPeriod,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)

pytestmark = pytest.mark.unit

STUDIO = uuid4()
MEMBER = uuid4()


def make_plan(**overrides: Any) -> Plan:
    fields: dict[str, Any] = {
        "plan_id": uuid4(),
        "studio_id": STUDIO,
        "name": "Unlimited",
        "kind": PlanKind.UNLIMITED,
        "price_cents": 5900,
        "currency": "EUR",
        "period": BillingPeriod.MONTHLY,
        "weekly_limit": 4,
    }
    fields.update(overrides)
    return Plan(**fields)


def pack_plan(**overrides: Any) -> Plan:
    fields: dict[str, Any] = {
        "name": "10 sessions",
        "kind": PlanKind.SESSION_PACK,
        "price_cents": 12000,
        "period": BillingPeriod.ONE_OFF,
        "sessions": 10,
        "valid_days": 90,
        "weekly_limit": None,
    }
    fields.update(overrides)
    return make_plan(**fields)


def start(plan: Plan, on: date = date(2027, 1, 10), member_start: date = date(2027, 1, 1)) -> SubscriptionChange:
    return Subscription.start(
        subscription_id=uuid4(), member_id=MEMBER, plan=plan, start_date=on, member_start_date=member_start
    )


def test_start_monthly_sets_period_and_charge() -> None:
    change = start(make_plan())
    sub = change.subscription
    assert sub.valid_until == date(2027, 2, 9)
    assert sub.credits is None
    assert change.charge_cents == 5900
    assert change.entitlement.weekly_limit == 4
    assert change.entitlement.valid_from == date(2027, 1, 10)
    assert change.entitlement.studio_id == STUDIO
    assert sub.sequence == 1


def test_start_yearly() -> None:
    sub = start(make_plan(period=BillingPeriod.YEARLY), on=date(2027, 3, 1)).subscription
    assert sub.valid_until == date(2028, 2, 29)


def test_month_end_start_clamps() -> None:
    sub = start(make_plan(), on=date(2027, 1, 31)).subscription
    assert sub.valid_until == date(2027, 2, 27)
    renewed = sub.renew().subscription
    assert renewed.period_start == date(2027, 2, 28)
    assert renewed.valid_until == date(2027, 3, 27)


def test_start_before_member_start_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan(), on=date(2026, 12, 31), member_start=date(2027, 1, 1))
    assert caught.value.code == "subscription_before_member_start"
    assert caught.value.field == "start_date"
    assert "2027-01-01" in caught.value.message


def test_start_on_member_start_day_is_allowed() -> None:
    assert start(make_plan(), on=date(2027, 1, 1), member_start=date(2027, 1, 1)).subscription


def test_pack_gets_credits_and_validity_days() -> None:
    change = start(pack_plan())
    assert change.entitlement.credits == 10
    assert change.entitlement.valid_until == date(2027, 4, 9)  # 90 days including the start day


def test_pack_with_fixed_date() -> None:
    change = start(pack_plan(valid_days=None, valid_until=date(2027, 6, 30)))
    assert change.subscription.valid_until == date(2027, 6, 30)


def test_fixed_date_pack_cannot_start_after_its_date() -> None:
    with pytest.raises(DomainError) as caught:
        start(pack_plan(valid_days=None, valid_until=date(2027, 1, 5)))
    assert caught.value.code == "pack_expired"


def test_open_ended_staff_access() -> None:
    staff = make_plan(price_cents=0, free=True, visible=False, period=BillingPeriod.ONE_OFF, weekly_limit=None)
    change = start(staff)
    assert change.subscription.valid_until is None
    assert change.charge_cents == 0
    assert change.subscription.allows_access_on(date(2040, 1, 1))
    with pytest.raises(DomainError) as caught:
        change.subscription.renew(date(2027, 5, 1))
    assert caught.value.code == "nothing_to_renew"


def test_pause_moves_end_date() -> None:
    sub = start(make_plan()).subscription  # valid until 2027-02-09
    paused = sub.pause(date(2027, 1, 20))
    assert paused.subscription.status is SubscriptionStatus.PAUSED
    assert paused.entitlement.paused_periods == (PausedPeriod(start=date(2027, 1, 20)),)
    assert not paused.subscription.allows_access_on(date(2027, 1, 25))
    resumed = paused.subscription.resume(date(2027, 1, 30))  # 10 paused days
    assert resumed.subscription.status is SubscriptionStatus.ACTIVE
    assert resumed.subscription.valid_until == date(2027, 2, 19)
    assert resumed.entitlement.paused_periods[0].days == 10
    assert resumed.subscription.allows_access_on(date(2027, 2, 19))
    assert not resumed.subscription.allows_access_on(date(2027, 1, 25))
    assert resumed.subscription.sequence == 3


def test_pause_moves_pack_validity_and_cancel_end_date() -> None:
    sub = start(make_plan()).subscription
    cancelled = sub.cancel(date(2027, 1, 15), notice_months=1).subscription
    end_before = cancelled.end_date
    assert end_before is not None
    paused = cancelled.pause(date(2027, 2, 1)).subscription
    resumed = paused.resume(date(2027, 2, 8)).subscription
    assert resumed.end_date is not None
    assert (resumed.end_date - end_before).days == 7


def test_pause_twice_rejected() -> None:
    paused = start(make_plan()).subscription.pause(date(2027, 1, 20)).subscription
    with pytest.raises(DomainError) as caught:
        paused.pause(date(2027, 1, 21))
    assert caught.value.code == "already_paused"


def test_pause_after_validity_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan()).subscription.pause(date(2027, 2, 10))
    assert caught.value.code == "pause_after_validity"


def test_pause_before_period_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan()).subscription.pause(date(2027, 1, 9))
    assert caught.value.code == "pause_before_period"


def test_resume_without_pause_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan()).subscription.resume(date(2027, 1, 20))
    assert caught.value.code == "not_paused"


def test_resume_before_pause_start_rejected() -> None:
    paused = start(make_plan()).subscription.pause(date(2027, 1, 20)).subscription
    with pytest.raises(DomainError) as caught:
        paused.resume(date(2027, 1, 19))
    assert caught.value.code == "resume_before_pause"


def test_cancel_with_one_month_notice_ends_at_period_end() -> None:
    sub = start(make_plan()).subscription  # periods run from the 10th to the 9th
    change = sub.cancel(date(2027, 3, 20), notice_months=1)
    # notice runs until 2027-04-19, inside the period 2027-04-10..2027-05-09
    assert change.subscription.end_date == date(2027, 5, 9)
    assert change.entitlement.ends_on == date(2027, 5, 9)
    assert change.subscription.cancelled_on == date(2027, 3, 20)
    assert change.charge_cents == 0


def test_cancel_notice_ending_on_period_end() -> None:
    sub = start(make_plan()).subscription
    change = sub.cancel(date(2027, 1, 10), notice_months=1)
    assert change.subscription.end_date == date(2027, 2, 9)


def test_cancel_without_notice_keeps_paid_period() -> None:
    sub = start(make_plan()).subscription
    assert sub.cancel(date(2027, 1, 12), notice_months=0).subscription.end_date == date(2027, 2, 9)


def test_cancelled_subscription_renews_until_end_then_stops() -> None:
    sub = start(make_plan()).subscription.cancel(date(2027, 1, 20), notice_months=1).subscription
    assert sub.end_date == date(2027, 3, 9)
    renewed = sub.renew().subscription  # 2027-02-10 .. 2027-03-09 is still inside the notice
    assert renewed.valid_until == date(2027, 3, 9)
    with pytest.raises(DomainError) as caught:
        renewed.renew()
    assert caught.value.code == "subscription_ending"
    assert renewed.expire(date(2027, 3, 9)) is None
    ended = renewed.expire(date(2027, 3, 10))
    assert ended is not None
    assert ended.subscription.status is SubscriptionStatus.ENDED
    assert ended.subscription.expire(date(2027, 3, 11)) is None
    with pytest.raises(DomainError) as caught:
        ended.subscription.pause(date(2027, 3, 12))
    assert caught.value.code == "subscription_ended"


def test_cancel_twice_rejected() -> None:
    sub = start(make_plan()).subscription.cancel(date(2027, 1, 20), notice_months=1).subscription
    with pytest.raises(DomainError) as caught:
        sub.cancel(date(2027, 1, 21), notice_months=1)
    assert caught.value.code == "already_cancelled"


@pytest.mark.parametrize("notice", [-1, True, 1.5])
def test_cancel_invalid_notice(notice: Any) -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan()).subscription.cancel(date(2027, 1, 20), notice_months=notice)
    assert caught.value.field == "notice_months"


def test_cancel_one_off_pack_runs_out() -> None:
    sub = start(pack_plan()).subscription
    assert sub.cancel(date(2027, 1, 20), notice_months=1).subscription.end_date == date(2027, 4, 9)


def test_cancel_open_ended_staff_access_after_notice() -> None:
    staff = make_plan(price_cents=0, free=True, visible=False, period=BillingPeriod.ONE_OFF, weekly_limit=None)
    sub = start(staff).subscription
    assert sub.cancel(date(2027, 2, 15), notice_months=1).subscription.end_date == date(2027, 3, 14)
    assert sub.cancel(date(2027, 2, 15), notice_months=0).subscription.end_date == date(2027, 2, 15)


def test_monthly_renewal_rolls_period() -> None:
    sub = start(make_plan()).subscription
    change = sub.renew()
    assert change.subscription.period_start == date(2027, 2, 10)
    assert change.subscription.valid_until == date(2027, 3, 9)
    assert change.charge_cents == 5900
    assert change.subscription.sequence == 2


def test_recurring_pack_renews_credits_each_period() -> None:
    monthly_pack = pack_plan(period=BillingPeriod.MONTHLY, valid_days=None, sessions=8, price_cents=6000)
    sub = start(monthly_pack).subscription
    assert sub.credits == 8
    renewed = sub.renew()
    assert renewed.entitlement.credits == 8
    assert renewed.entitlement.valid_from == date(2027, 2, 10)
    assert renewed.entitlement.valid_until == date(2027, 3, 9)


def test_one_off_pack_renewal_after_expiry_starts_on_purchase() -> None:
    sub = start(pack_plan()).subscription  # valid until 2027-04-09
    renewed = sub.renew(date(2027, 5, 1))
    assert renewed.subscription.period_start == date(2027, 5, 1)
    assert renewed.subscription.valid_until == date(2027, 7, 29)
    assert renewed.entitlement.credits == 10
    assert renewed.charge_cents == 12000


def test_one_off_pack_early_renewal_starts_after_current_pack() -> None:
    sub = start(pack_plan()).subscription
    renewed = sub.renew(date(2027, 3, 1)).subscription
    assert renewed.period_start == date(2027, 4, 10)
    assert renewed.valid_until == date(2027, 7, 8)


def test_one_off_renewal_needs_date() -> None:
    with pytest.raises(DomainError) as caught:
        start(pack_plan()).subscription.renew()
    assert caught.value.code == "renewal_date_required"


def test_fixed_date_pack_renewal_after_date_rejected() -> None:
    sub = start(pack_plan(valid_days=None, valid_until=date(2027, 6, 30))).subscription
    renewed = sub.renew(date(2027, 6, 1)).subscription
    assert renewed.credits == 10
    assert renewed.valid_until == date(2027, 6, 30)
    with pytest.raises(DomainError) as caught:
        sub.renew(date(2027, 7, 1))
    assert caught.value.code == "pack_expired"


def test_paused_subscription_does_not_renew() -> None:
    paused = start(make_plan()).subscription.pause(date(2027, 1, 20)).subscription
    with pytest.raises(DomainError) as caught:
        paused.renew()
    assert caught.value.code == "renew_while_paused"
    assert paused.expire(date(2030, 1, 1)) is None


def test_one_off_pack_expires_after_validity() -> None:
    sub = start(pack_plan()).subscription
    assert sub.expire(date(2027, 4, 9)) is None
    ended = sub.expire(date(2027, 4, 10))
    assert ended is not None
    assert ended.entitlement.status is SubscriptionStatus.ENDED


def test_recurring_subscription_without_cancel_never_expires_by_itself() -> None:
    assert start(make_plan()).subscription.expire(date(2030, 1, 1)) is None


def test_access_window() -> None:
    sub = start(make_plan()).subscription
    assert not sub.allows_access_on(date(2027, 1, 9))
    assert sub.allows_access_on(date(2027, 1, 10))
    assert sub.allows_access_on(date(2027, 2, 9))
    assert not sub.allows_access_on(date(2027, 2, 10))


def test_methods_do_not_mutate_the_original() -> None:
    sub = start(make_plan()).subscription
    sub.pause(date(2027, 1, 20))
    sub.cancel(date(2027, 1, 20), notice_months=1)
    assert sub.status is SubscriptionStatus.ACTIVE
    assert sub.end_date is None
    assert sub.paused_periods == ()


def test_planned_pause_moves_validity_and_can_be_lifted_early() -> None:
    sub = start(make_plan()).subscription  # valid until 2027-02-09
    paused = sub.pause_between(date(2027, 1, 20), date(2027, 1, 29)).subscription  # 10 days
    assert paused.valid_until == date(2027, 2, 19)
    assert paused.paused_periods == (PausedPeriod(start=date(2027, 1, 20), resumed_on=date(2027, 1, 30)),)
    assert not paused.allows_access_on(date(2027, 1, 25))
    lifted = paused.end_pause_early(date(2027, 1, 25)).subscription  # 5 days given back
    assert lifted.valid_until == date(2027, 2, 14)
    assert lifted.allows_access_on(date(2027, 1, 25))
    assert not lifted.allows_access_on(date(2027, 1, 24))
    with pytest.raises(DomainError) as caught:
        lifted.end_pause_early(date(2027, 3, 1))
    assert caught.value.code == "not_paused"


def test_planned_pause_range_must_be_ordered() -> None:
    with pytest.raises(DomainError) as caught:
        start(make_plan()).subscription.pause_between(date(2027, 1, 20), date(2027, 1, 19))
    assert caught.value.code == "pause_range_invalid"
