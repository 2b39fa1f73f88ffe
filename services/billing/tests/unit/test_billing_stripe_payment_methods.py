"""Checks on a Stripe payment method before anything is sent to Stripe."""

from __future__ import annotations

import pytest
from gymloop_billing.domain import ideal_payments as ideal
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


def test_ideal_is_refused_as_a_recurring_method_with_what_to_do_instead() -> None:
    error = methods.refuse_ideal()
    assert (error.code, error.field) == ("ideal_not_recurring", "type")
    assert "sepa_debit" in error.message
    assert "/payments/{payment_id}/ideal" in error.message


def test_member_accepts_a_mandate_online_with_ip_and_browser_staff_offline() -> None:
    online = methods.mandate_acceptance(by_member=True, ip_address="203.0.113.7", user_agent="Mozilla/5.0")
    assert online == methods.MandateAcceptance(online=True, ip_address="203.0.113.7", user_agent="Mozilla/5.0")
    staff = methods.mandate_acceptance(by_member=False, ip_address="10.0.0.1", user_agent="Mozilla/5.0")
    assert staff == methods.MandateAcceptance(online=False)


@pytest.mark.parametrize(
    ("ip_address", "user_agent", "field"),
    [(None, "Mozilla/5.0", "ip_address"), ("203.0.113.7", None, "user_agent"), ("203.0.113.7", "", "user_agent")],
)
def test_online_mandate_acceptance_needs_ip_and_browser(
    ip_address: str | None, user_agent: str | None, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        methods.mandate_acceptance(by_member=True, ip_address=ip_address, user_agent=user_agent)
    assert (caught.value.code, caught.value.field) == ("mandate_acceptance_incomplete", field)


def test_ideal_request_takes_euros_an_absolute_return_url_and_a_known_bank() -> None:
    request = ideal.ideal_request(currency="eur", return_url=" https://app.example/paid?x=1 ", bank="ing")
    assert request == ideal.IdealRequest(return_url="https://app.example/paid?x=1", bank="ing")
    assert ideal.ideal_request(currency="EUR", return_url="http://localhost:3000/back", bank=None).bank is None


@pytest.mark.parametrize(
    ("currency", "return_url", "bank", "code", "field"),
    [
        ("USD", "https://app.example/paid", None, "ideal_currency", "currency"),
        ("EUR", None, None, "return_url_invalid", "return_url"),
        ("EUR", "/paid", None, "return_url_invalid", "return_url"),
        ("EUR", "javascript:alert(1)", None, "return_url_invalid", "return_url"),
        ("EUR", "https://app.example/paid", "bank_of_nowhere", "ideal_bank_unknown", "bank"),
    ],
)
def test_ideal_request_refuses_what_ideal_cannot_do(
    currency: str, return_url: str | None, bank: str | None, code: str, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        ideal.ideal_request(currency=currency, return_url=return_url, bank=bank)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_only_an_amount_still_due_is_paid_by_ideal() -> None:
    ideal.ensure_payable("failed", "stripe_card")
    ideal.ensure_payable("pending", "stripe_ideal")  # started again: the same redirect
    for status, method, code in [
        ("succeeded", "stripe_card", "payment_settled"),
        ("pending", "stripe_sepa_debit", "payment_in_progress"),
        ("pending", "sepa_export", "payment_in_progress"),
    ]:
        with pytest.raises(DomainError) as caught:
            ideal.ensure_payable(status, method)
        assert (caught.value.code, caught.value.field) == (code, "payment_id")


def test_event_method_names_match_the_contract() -> None:
    assert methods.EVENT_METHOD == {"card": "stripe_card", "sepa_debit": "stripe_sepa_debit"}
