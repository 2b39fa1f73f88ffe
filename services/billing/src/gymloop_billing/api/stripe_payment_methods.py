"""A member's default Stripe payment method (card or SEPA debit)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from pydantic import BaseModel, Field

from gymloop_billing.api.deps import ensure_own_member
from gymloop_billing.service import stripe_payment_methods
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["stripe"])


class PaymentMethodIn(BaseModel):
    type: str = Field(description="sepa_debit or card (ideal is refused: it needs a redirect flow, see README)")
    iban: str | None = Field(default=None, description="sepa_debit: the member's IBAN")
    account_holder: str | None = Field(default=None, description="sepa_debit: the account holder's name")
    payment_method: str | None = Field(default=None, description="card: the pm_... id made by Stripe.js")


class PaymentMethodOut(BaseModel):
    member_id: uuid.UUID
    stripe_customer_id: str
    payment_method_id: str | None
    payment_method_type: str | None


@router.put(
    "/members/{member_id}/stripe/payment-method",
    summary="Set the member's default Stripe payment method (card or SEPA debit); staff or the member",
)
async def set_payment_method(
    member_id: uuid.UUID, body: PaymentMethodIn, request: Request, principal: AnyUser, session: Session
) -> PaymentMethodOut:
    ensure_own_member(principal, member_id)
    row = await stripe_payment_methods.set_payment_method(
        session,
        StripeGateway(request.app.state.billing_settings),
        principal.studio_id,
        member_id,
        method_type=body.type,
        iban=body.iban,
        account_holder=body.account_holder,
        payment_method=body.payment_method,
    )
    return PaymentMethodOut(
        member_id=row.member_id,
        stripe_customer_id=row.stripe_customer_id,
        payment_method_id=row.payment_method_id,
        payment_method_type=row.payment_method_type,
    )
