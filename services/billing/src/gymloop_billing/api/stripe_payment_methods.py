"""A member's default Stripe payment method (card or SEPA debit)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from gymloop_kit.app import runtime_of
from gymloop_kit.auth import AnyUser
from gymloop_kit.http.forwarded import client_address
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field

from gymloop_billing.service import stripe_payment_methods
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["stripe"])


class PaymentMethodIn(BaseModel):
    type: str = Field(
        description="sepa_debit or card (ideal is one-off: pay an amount due with POST /payments/{id}/ideal)"
    )
    iban: str | None = Field(default=None, description="sepa_debit: the member's IBAN")
    account_holder: str | None = Field(default=None, description="sepa_debit: the account holder's name")
    payment_method: str | None = Field(default=None, description="card: the pm_... id made by Stripe.js")


class PaymentMethodOut(BaseModel):
    member_id: uuid.UUID
    stripe_customer_id: str
    payment_method_id: str | None
    payment_method_type: str | None
    stripe_mandate_id: str | None = Field(
        default=None, description="sepa_debit: Stripe's mandate recording the account holder's acceptance"
    )


@router.put(
    "/members/{member_id}/stripe/payment-method",
    summary="Set the member's default Stripe payment method (card or SEPA debit); staff or the member",
    description=(
        "A SEPA debit is set up with the mandate acceptance Stripe needs: online when the member registers it "
        "(their IP address and User-Agent), offline when staff register a mandate the member signed"
    ),
)
async def set_payment_method(
    member_id: uuid.UUID, body: PaymentMethodIn, request: Request, principal: AnyUser
) -> PaymentMethodOut:
    ensure_own_member(principal, member_id)
    # its own short transactions around the Stripe calls (never one open while Stripe answers)
    registered = await stripe_payment_methods.set_payment_method(
        runtime_of(request).database,
        StripeGateway(request.app.state.billing_settings),
        principal.studio_id,
        member_id,
        method_type=body.type,
        iban=body.iban,
        account_holder=body.account_holder,
        payment_method=body.payment_method,
        by_member=not principal.is_staff,
        ip_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
    )
    row = registered.customer
    return PaymentMethodOut(
        member_id=row.member_id,
        stripe_customer_id=row.stripe_customer_id,
        payment_method_id=row.payment_method_id,
        payment_method_type=row.payment_method_type,
        stripe_mandate_id=registered.mandate_id,
    )
