from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from gymloop_billing.domain.calendar_math import last_day_of_period, month_key, previous_month_key
from gymloop_billing.domain.collection import CollectionMethod, StudioBillingSettings
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.money import format_cents, validate_cents, validate_currency
from gymloop_kit.studio_clock import add_months

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_add_months_clamps(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_last_day_of_period() -> None:
    assert last_day_of_period(date(2027, 1, 1), 1) == date(2027, 1, 31)
    assert last_day_of_period(date(2027, 1, 1), 12) == date(2027, 12, 31)


def test_month_keys() -> None:
    assert month_key(date(2027, 4, 9)) == "2027-04"
    assert previous_month_key("2027-01") == "2026-12"


@pytest.mark.parametrize(("cents", "text"), [(0, "0.00"), (5, "0.05"), (1234, "12.34"), (-250, "-2.50")])
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text


def test_validate_cents() -> None:
    assert validate_cents(0, "amount") == 0
    with pytest.raises(DomainError) as caught:
        validate_cents(0, "amount", allow_zero=False)
    assert caught.value.code == "amount_zero"
    with pytest.raises(DomainError) as caught:
        validate_cents(True, "amount")
    assert caught.value.code == "amount_not_integer"


def test_validate_currency() -> None:
    assert validate_currency("EUR") == "EUR"
    with pytest.raises(DomainError):
        validate_currency("€")


def test_offline_never_collects() -> None:
    assert not CollectionMethod.OFFLINE.collects
    assert CollectionMethod.SEPA_EXPORT.collects
    assert CollectionMethod.STRIPE.collects


def test_sepa_studio_needs_creditor_and_euro() -> None:
    with pytest.raises(DomainError) as caught:
        StudioBillingSettings(studio_id=uuid4(), collection_method=CollectionMethod.SEPA_EXPORT)
    assert caught.value.code == "creditor_required"
    creditor = Creditor.create(name="Studio", iban="NL91ABNA0417164300", creditor_id="NL57ZZZ999999999999")
    with pytest.raises(DomainError) as caught:
        StudioBillingSettings(
            studio_id=uuid4(), collection_method=CollectionMethod.SEPA_EXPORT, currency="CHF", creditor=creditor
        )
    assert caught.value.code == "sepa_currency"
    ok = StudioBillingSettings(studio_id=uuid4(), collection_method=CollectionMethod.SEPA_EXPORT, creditor=creditor)
    assert ok.overdue_members_may_book is False


def test_stripe_and_offline_need_no_creditor() -> None:
    settings = StudioBillingSettings(studio_id=uuid4(), collection_method=CollectionMethod.OFFLINE, currency="CHF")
    assert settings.creditor is None
