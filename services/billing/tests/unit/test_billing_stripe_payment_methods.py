"""Checks on a Stripe payment method before anything is sent to Stripe."""

from __future__ import annotations

import pytest
from gymloop_billing.domain import stripe_payment_methods as methods
from gymloop_billing.domain.errors import DomainError

pytestmark = pytest.mark.unit


def test_sepa_debit_compacts_a_valid_iban_and_keeps_the_holder() -> None:
    details = methods.sepa_debit("de89 3704 0044 0532 0130 00", " Anna de Vries ")
    assert details == methods.SepaDebitDetails(iban="DE89370400440532013000", account_holder="Anna de Vries")


@pytest.mark.parametrize(
    ("iban", "holder", "code", "field"),
    [
        ("DE89370400440532013001", "Anna", "iban_checksum", "iban"),
        ("", "Anna", "iban_required", "iban"),
        ("DE89370400440532013000", "", "text_required", "account_holder"),
        ("DE89370400440532013000", "A" * 71, "text_too_long", "account_holder"),
        ("DE89370400440532013000", "Анна", "text_not_epc", "account_holder"),
    ],
)
def test_sepa_debit_rejects_what_a_bank_would_reject(iban: str, holder: str, code: str, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        methods.sepa_debit(iban, holder)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_card_needs_a_stripe_payment_method_id() -> None:
    assert methods.card("pm_123").payment_method_id == "pm_123"
    for bad in (None, "", "tok_visa", "card_123"):
        with pytest.raises(DomainError) as caught:
            methods.card(bad)
        assert caught.value.code == "payment_method_required"


def test_ideal_is_refused_with_what_to_do_instead() -> None:
    error = methods.refuse_ideal()
    assert (error.code, error.field) == ("ideal_needs_redirect", "type")
    assert "sepa_debit" in error.message


def test_event_method_names_match_the_contract() -> None:
    assert methods.EVENT_METHOD == {"card": "stripe_card", "sepa_debit": "stripe_sepa_debit"}
