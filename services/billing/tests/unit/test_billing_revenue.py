from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.revenue import RevenueEntry, RevenueSource, Trend, revenue_report

pytestmark = pytest.mark.unit

UNLIMITED, PACK, SHAKE = uuid4(), uuid4(), uuid4()


def entry(day: date, cents: int, source: RevenueSource, source_id: object, label: str) -> RevenueEntry:
    return RevenueEntry(
        booked_on=day,
        amount_cents=cents,
        currency="EUR",
        source=source,
        source_id=source_id,
        label=label,  # type: ignore[arg-type]
    )


ENTRIES = [
    entry(date(2027, 2, 3), 10000, RevenueSource.PLAN, UNLIMITED, "Unlimited"),
    entry(date(2027, 3, 3), 12000, RevenueSource.PLAN, UNLIMITED, "Unlimited"),
    entry(date(2027, 3, 20), 3000, RevenueSource.PLAN, UNLIMITED, "Unlimited"),
    entry(date(2027, 3, 5), 12000, RevenueSource.PLAN, PACK, "10-card"),
    entry(date(2027, 2, 10), 500, RevenueSource.PRODUCT, SHAKE, "Shake"),
    entry(date(2027, 4, 10), 250, RevenueSource.PRODUCT, SHAKE, "Shake"),
]


def test_monthly_totals_and_trend() -> None:
    march, april = revenue_report(ENTRIES, first_month=date(2027, 3, 1), last_month=date(2027, 4, 30), currency="EUR")
    assert march.month == "2027-03"
    assert march.total == Trend(current_cents=27000, previous_cents=10500)
    assert march.total.change_cents == 16500
    assert march.total.change_pct == Decimal("157.1")
    assert april.total.current_cents == 250
    assert april.total.change_pct == Decimal("-99.1")


def test_per_plan_and_product_lines() -> None:
    (march,) = revenue_report(ENTRIES, first_month=date(2027, 3, 1), last_month=date(2027, 3, 1), currency="EUR")
    assert [(line.label, line.trend.current_cents) for line in march.by_plan] == [
        ("Unlimited", 15000),
        ("10-card", 12000),
    ]
    unlimited = march.by_plan[0].trend
    assert unlimited.change_cents == 5000
    assert unlimited.change_pct == Decimal("50.0")
    pack = march.by_plan[1].trend
    assert pack.previous_cents == 0
    assert pack.change_pct is None  # no percentage from zero
    shake = march.by_product[0].trend
    assert (shake.current_cents, shake.previous_cents, shake.change_pct) == (0, 500, Decimal("-100.0"))


def test_empty_months_are_reported_as_zero() -> None:
    report = revenue_report([], first_month=date(2027, 1, 1), last_month=date(2027, 3, 1), currency="EUR")
    assert [m.month for m in report] == ["2027-01", "2027-02", "2027-03"]
    assert all(m.total.current_cents == 0 and m.total.change_pct is None for m in report)


def test_refunds_reduce_revenue() -> None:
    entries = [
        entry(date(2027, 3, 1), 5000, RevenueSource.PLAN, UNLIMITED, "Unlimited"),
        entry(date(2027, 3, 2), -5000, RevenueSource.PLAN, UNLIMITED, "Unlimited"),
    ]
    (march,) = revenue_report(entries, first_month=date(2027, 3, 1), last_month=date(2027, 3, 1), currency="EUR")
    assert march.total.current_cents == 0


def test_year_boundary_trend() -> None:
    entries = [
        entry(date(2026, 12, 1), 200, RevenueSource.PRODUCT, SHAKE, "Shake"),
        entry(date(2027, 1, 1), 300, RevenueSource.PRODUCT, SHAKE, "Shake"),
    ]
    (january,) = revenue_report(entries, first_month=date(2027, 1, 1), last_month=date(2027, 1, 31), currency="EUR")
    assert january.total.change_pct == Decimal("50.0")


def test_mixed_currency_rejected() -> None:
    foreign = RevenueEntry(date(2027, 3, 1), 100, "USD", RevenueSource.PLAN, UNLIMITED, "Unlimited")
    with pytest.raises(DomainError) as caught:
        revenue_report([foreign], first_month=date(2027, 3, 1), last_month=date(2027, 3, 1), currency="EUR")
    assert caught.value.code == "currency_mismatch"


def test_period_rules() -> None:
    with pytest.raises(DomainError) as caught:
        revenue_report([], first_month=date(2027, 3, 1), last_month=date(2027, 2, 1), currency="EUR")
    assert caught.value.code == "period_invalid"
    with pytest.raises(DomainError) as caught:
        revenue_report([], first_month=date(2010, 1, 1), last_month=date(2027, 2, 1), currency="EUR")
    assert caught.value.code == "period_too_long"
