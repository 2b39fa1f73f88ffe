"""Payments and the member's payment state (ok/overdue)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from gymloop_kit.app import Session, runtime_of
from gymloop_kit.auth import AnyUser, Staff
from gymloop_kit.errors import NotFound
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field

from gymloop_billing.domain.retry_policy import may_book
from gymloop_billing.service import ideal_payments, members, payments, studio
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["payments"])


class PaymentStateOut(BaseModel):
    member_id: uuid.UUID
    state: str
    failed_attempts: int
    may_book: bool


class BankAnswerIn(BaseModel):
    succeeded: bool
    reason: str | None = None


class IdealPaymentIn(BaseModel):
    return_url: str = Field(description="The absolute URL the member comes back to after their bank")
    bank: str | None = Field(default=None, description="The member's iDEAL bank, e.g. ing (optional)")


class IdealPaymentOut(BaseModel):
    payment_id: uuid.UUID
    member_id: uuid.UUID
    amount_cents: int
    currency: str
    status: str = Field(description="pending until the member has approved or refused the payment at their bank")
    method: str
    purchase_id: uuid.UUID | None
    subscription_id: uuid.UUID | None
    redirect_url: str = Field(description="Send the member here: their bank, then back to return_url")


class PaymentOut(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    amount_cents: int
    status: str
    attempts: int


@router.get(
    "/members/{member_id}/payment-state",
    operation_id="getPaymentState",
    summary="Is the member ok or overdue, and may they book?",
)
async def payment_state(member_id: uuid.UUID, principal: AnyUser, session: Session) -> PaymentStateOut:
    """Staff read any member's; a member only their own. Whether the member is ok or overdue under the studio's
    overdue rule, and whether that still lets them book."""
    ensure_own_member(principal, member_id)
    await members.get_member(session, principal.studio_id, member_id)  # another studio's member: 404
    current = await payments.read_payment_state(session, principal.studio_id, member_id)
    settings = await studio.get_settings(session, principal.studio_id)
    return PaymentStateOut(
        member_id=member_id,
        state=current.state.value,
        failed_attempts=current.failed_attempts,
        may_book=may_book(current.state, settings.overdue_members_may_book),
    )


@router.post(
    "/payments/{payment_id}/bank-answer",
    operation_id="recordBankAnswer",
    summary="Record the bank's answer for a SEPA collection",
)
async def bank_answer(payment_id: uuid.UUID, body: BankAnswerIn, principal: Staff, session: Session) -> PaymentOut:
    """Staff only. Marks a SEPA collection succeeded or failed (with the bank's reason); a failure can make the
    member overdue. Publishes PaymentSucceeded or PaymentFailed."""
    row = await payments.mark_sepa_payment(
        session, principal.studio_id, payment_id, succeeded=body.succeeded, reason=body.reason
    )
    return PaymentOut(
        id=row.id, member_id=row.member_id, amount_cents=row.amount_cents, status=row.status, attempts=row.attempts
    )


@router.post(
    "/payments/{payment_id}/paid-by-other-means",
    operation_id="clearPaymentPaidOtherwise",
    summary="Clear a failed or returned payment the member paid another way (at the desk, by transfer)",
)
async def paid_by_other_means(payment_id: uuid.UUID, principal: Staff, session: Session) -> PaymentOut:
    """Staff only. The payment succeeds as an offline one and the member's overdue state clears, so they may book
    again. Publishes PaymentSucceeded (method offline). Refused (422) for a payment already paid, one still in a
    payment run awaiting the bank, and a Stripe invoice (Stripe still retries it: pay it by iDEAL)."""
    row = await payments.settle_by_other_means(session, principal.studio_id, payment_id)
    return PaymentOut(
        id=row.id, member_id=row.member_id, amount_cents=row.amount_cents, status=row.status, attempts=row.attempts
    )


@router.post(
    "/payments/{payment_id}/ideal",
    summary="Pay a failed payment by iDEAL (EUR): the member's bank redirect; staff or the member",
    description=(
        "For a declined shop purchase or a failed subscription fee in a Stripe studio. The payment is pending "
        "until Stripe's webhook: PaymentSucceeded or PaymentFailed with method stripe_ideal. Asked again before "
        "the member has been to their bank, it answers the same redirect_url"
    ),
)
async def pay_by_ideal(
    payment_id: uuid.UUID, body: IdealPaymentIn, request: Request, principal: AnyUser
) -> IdealPaymentOut:
    if not principal.is_staff and principal.member_id is None:
        raise NotFound("payment not found", code="payment_not_found")
    # its own short transactions around the Stripe calls (never one open while Stripe answers)
    started = await ideal_payments.start_for_payment(
        runtime_of(request).database,
        StripeGateway(request.app.state.billing_settings),
        principal.studio_id,
        payment_id,
        member_id=None if principal.is_staff else principal.member_id,
        return_url=body.return_url,
        bank=body.bank,
    )
    row = started.payment
    return IdealPaymentOut(
        payment_id=row.id,
        member_id=row.member_id,
        amount_cents=row.amount_cents,
        currency=row.currency,
        status=row.status,
        method=row.method,
        purchase_id=row.purchase_id,
        subscription_id=row.subscription_id,
        redirect_url=started.redirect_url,
    )
