"""Which Stripe payment method a member may register, checked before anything is sent to Stripe."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gymloop_billing.domain.epc_text import to_epc_text
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.iban import validate_iban


class StripeMethodType(enum.StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    IDEAL = "ideal"


# the PaymentSucceeded/PaymentFailed `method` for each registered type
EVENT_METHOD = {StripeMethodType.CARD.value: "stripe_card", StripeMethodType.SEPA_DEBIT.value: "stripe_sepa_debit"}


@dataclass(frozen=True, slots=True)
class SepaDebitDetails:
    iban: str  # compact, validated
    account_holder: str


@dataclass(frozen=True, slots=True)
class CardDetails:
    payment_method_id: str  # a pm_... made by Stripe.js in the member's browser


def sepa_debit(iban: str, account_holder: str) -> SepaDebitDetails:
    """Our IBAN rules (schwifty) and a holder name a bank accepts, before Stripe sees anything."""
    compact = validate_iban(iban)
    # raises when empty, too long or not writable in the SEPA character set (what the bank will carry)
    to_epc_text(account_holder, field="account_holder", max_length=70)
    return SepaDebitDetails(iban=compact, account_holder=account_holder.strip())


def card(payment_method_id: str | None) -> CardDetails:
    if not payment_method_id or not payment_method_id.startswith("pm_"):
        raise DomainError(
            code="payment_method_required",
            field="payment_method",
            message="a card needs the Stripe payment method id (pm_...) that Stripe.js created in the browser",
        )
    return CardDetails(payment_method_id=payment_method_id)


def refuse_ideal() -> DomainError:
    """iDEAL is a redirect to the member's bank: there is no server-side way to register it."""
    return DomainError(
        code="ideal_needs_redirect",
        field="type",
        message=(
            "iDEAL needs the member to confirm in their bank's app (a Stripe redirect flow), which Gymloop "
            "does not offer yet: register the member's IBAN as sepa_debit, or a card"
        ),
    )
