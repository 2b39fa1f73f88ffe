from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.plans import BillingPeriod, Plan, PlanKind

pytestmark = pytest.mark.unit


def plan(**overrides: Any) -> Plan:
    fields: dict[str, Any] = {
        "plan_id": uuid4(),
        "studio_id": uuid4(),
        "name": "10-session card",
        "kind": PlanKind.SESSION_PACK,
        "price_cents": 12000,
        "currency": "EUR",
        "period": BillingPeriod.ONE_OFF,
        "sessions": 10,
        "valid_days": 90,
    }
    fields.update(overrides)
    return Plan(**fields)


def assert_error(code: str, field: str, **overrides: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        plan(**overrides)
    assert caught.value.code == code
    assert caught.value.field == field
    assert field in caught.value.message or caught.value.message
    return caught.value


def test_valid_one_off_pack() -> None:
    pack = plan()
    assert pack.is_pack
    assert not pack.is_recurring
    assert pack.sessions == 10


def test_pack_valid_until_fixed_date() -> None:
    pack = plan(valid_days=None, valid_until=date(2027, 6, 30))
    assert pack.valid_until == date(2027, 6, 30)


def test_unlimited_monthly_with_weekly_limit() -> None:
    unlimited = plan(
        kind=PlanKind.UNLIMITED,
        sessions=None,
        valid_days=None,
        period=BillingPeriod.MONTHLY,
        weekly_limit=3,
        price_cents=5900,
    )
    assert unlimited.weekly_limit == 3
    assert unlimited.period.months == 1


def test_free_hidden_staff_plan() -> None:
    staff = plan(kind=PlanKind.UNLIMITED, sessions=None, valid_days=None, price_cents=0, free=True, visible=False)
    assert staff.is_staff_access


def test_negative_price_rejected() -> None:
    error = assert_error("amount_negative", "price_cents", price_cents=-1)
    assert "negative" in error.message


def test_price_must_be_int_cents() -> None:
    assert_error("amount_not_integer", "price_cents", price_cents=12.5)


def test_free_plan_with_price_rejected() -> None:
    error = assert_error("free_plan_with_price", "price_cents", free=True, price_cents=100)
    assert "100" in error.message


def test_paid_plan_without_price_rejected() -> None:
    assert_error("paid_plan_without_price", "price_cents", price_cents=0)


def test_pack_without_credits_rejected() -> None:
    assert_error("pack_without_credits", "sessions", sessions=None)


@pytest.mark.parametrize("sessions", [0, -3, True])
def test_pack_with_non_positive_credits_rejected(sessions: object) -> None:
    assert_error("pack_without_credits", "sessions", sessions=sessions)


def test_one_off_pack_without_validity_rejected() -> None:
    assert_error("pack_without_validity", "valid_days", valid_days=None)


def test_pack_with_both_validities_rejected() -> None:
    assert_error("plan_validity_ambiguous", "valid_until", valid_until=date(2027, 1, 1))


def test_recurring_pack_takes_no_validity() -> None:
    assert_error("validity_on_recurring_plan", "valid_days", period=BillingPeriod.MONTHLY)
    monthly_pack = plan(period=BillingPeriod.MONTHLY, valid_days=None)
    assert monthly_pack.is_recurring


def test_zero_valid_days_rejected() -> None:
    assert_error("plan_valid_days_invalid", "valid_days", valid_days=0)


def test_pack_weekly_limit_rejected() -> None:
    assert_error("pack_weekly_limit", "weekly_limit", weekly_limit=2)


def test_unlimited_with_sessions_rejected() -> None:
    assert_error("unlimited_with_sessions", "sessions", kind=PlanKind.UNLIMITED, valid_days=None)


def test_unlimited_zero_weekly_limit_rejected() -> None:
    assert_error(
        "weekly_limit_invalid",
        "weekly_limit",
        kind=PlanKind.UNLIMITED,
        sessions=None,
        valid_days=None,
        weekly_limit=0,
    )


@pytest.mark.parametrize("name", ["", "   "])
def test_name_required(name: str) -> None:
    assert_error("plan_name_required", "name", name=name)


def test_name_too_long() -> None:
    assert_error("plan_name_too_long", "name", name="x" * 101)


@pytest.mark.parametrize("currency", ["eur", "EURO", "", "E1R"])
def test_currency_must_be_iso(currency: str) -> None:
    assert_error("currency_invalid", "currency", currency=currency)


def test_unknown_period_rejected() -> None:
    assert_error("plan_period_invalid", "period", period="weekly")


def test_unknown_kind_rejected() -> None:
    assert_error("plan_kind_invalid", "kind", kind="trial")


def test_billing_period_months() -> None:
    assert BillingPeriod.ONE_OFF.months is None
    assert BillingPeriod.MONTHLY.months == 1
    assert BillingPeriod.YEARLY.months == 12
