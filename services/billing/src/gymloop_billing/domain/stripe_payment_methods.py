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
class MandateAcceptance:
    """How the account holder accepted the SEPA mandate (Stripe's `mandate_data.customer_acceptance`):
    online by the member themself (their IP address and browser), or offline (the studio holds the signed
    paper mandate and staff register it)."""

    online: bool
    ip_address: str | None = None
    user_agent: str | None = None


def mandate_acceptance(*, by_member: bool, ip_address: str | None, user_agent: str | None) -> MandateAcceptance:
    if not by_member:
        return MandateAcceptance(online=False)
    if not ip_address or not user_agent:
        raise DomainError(
            code="mandate_acceptance_incomplete",
            field="user_agent" if ip_address else "ip_address",
            message=(
                "a member accepting a SEPA mandate online must be identified by IP address and browser (User-Agent "
                "header); send the request from the member's browser, or let staff register the signed mandate"
            ),
        )
    return MandateAcceptance(online=True, ip_address=ip_address[:64], user_agent=user_agent[:500])


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
    """iDEAL pays one amount, confirmed by the member at their bank: it cannot be charged again later."""
    return DomainError(
        code="ideal_not_recurring",
        field="type",
        message=(
            "iDEAL pays one amount at a time (the member approves it at their bank), so it cannot be the default "
            "method for recurring collection: register the member's IBAN as sepa_debit, or a card. To pay an "
            "amount due by iDEAL use POST /payments/{payment_id}/ideal, or POST /purchases with pay_with=ideal"
        ),
    )
