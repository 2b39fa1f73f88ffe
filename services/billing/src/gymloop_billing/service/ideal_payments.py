"""Paying an amount due by iDEAL: a Stripe PaymentIntent the member approves at their bank (a redirect).

Two amounts can be paid: a shop purchase paid at once (`POST /purchases` with `pay_with=ideal`, see
`shop.record`) and a failed payment (a declined purchase or a failed subscription fee). The payment is
`pending` with method `stripe_ideal` until the intent's webhook settles it (`payments.apply_webhook`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import stripe
from gymloop_kit.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, PurchaseRow
from gymloop_billing.domain.ideal_payments import IDEAL_EVENT_METHOD, IdealRequest, ensure_payable, ideal_request
from gymloop_billing.service import stripe_payment_methods
from gymloop_billing.service.stripe_gateway import IdealRedirect, StripeGateway

# a started intent that can no longer be approved: a new one may be started
ENDED_WITHOUT_PAYMENT = ("requires_payment_method", "canceled")


@dataclass(frozen=True)
class IdealStarted:
    payment: PaymentRow
    redirect_url: str


async def start_for_payment(
    session: AsyncSession,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    payment_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    return_url: str | None,
    bank: str | None,
) -> IdealStarted:
    """Pay a failed payment by iDEAL. `member_id`: a member may pay only their own payments (others: 404).
    Started again while the member has not been to their bank yet, it gives the same redirect back."""
    payment = (
        await session.execute(
            select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.studio_id == studio_id).with_for_update()
        )
    ).scalar_one_or_none()
    if payment is None or (member_id is not None and payment.member_id != member_id):
        raise NotFound("payment not found", code="payment_not_found")
    await stripe_payment_methods.ensure_stripe_studio(session, studio_id)
    ensure_payable(payment.status, payment.method)
    request = ideal_request(currency=payment.currency, return_url=return_url, bank=bank)
    if payment.status == "pending" and payment.stripe_payment_intent_id:
        current = await gateway.ideal_redirect(payment.stripe_payment_intent_id)
        if current.status == "requires_action" and current.redirect_url:
            return IdealStarted(payment=payment, redirect_url=current.redirect_url)
        if current.status not in ENDED_WITHOUT_PAYMENT:
            raise Conflict(
                f"the member's iDEAL payment is {current.status}: its outcome arrives in a moment, nothing to start",
                code="payment_in_progress",
                field="payment_id",
            )
    return await _start(session, gateway, payment, request, field="payment_id")


async def start_for_purchase(
    session: AsyncSession, gateway: StripeGateway, purchase: PurchaseRow, request: IdealRequest
) -> IdealStarted:
    """A purchase paid at once by iDEAL: its payment (one per purchase, id derived from it) is pending."""
    payment = PaymentRow(
        id=uuid.uuid5(purchase.id, "stripe-payment"),
        studio_id=purchase.studio_id,
        member_id=purchase.member_id,
        amount_cents=purchase.unit_price_cents * purchase.quantity,
        currency=purchase.currency,
        method=IDEAL_EVENT_METHOD,
        status="pending",
        attempts=0,
        purchase_id=purchase.id,
    )
    session.add(payment)
    await session.flush()  # a concurrent twin hits the unique purchase_id here, before Stripe is called
    return await _start(session, gateway, payment, request, field="pay_with")


async def redirect_url(gateway: StripeGateway, payment: PaymentRow) -> str | None:
    """The bank's address of a pending iDEAL payment the member has not completed yet (else None)."""
    if payment.status != "pending" or payment.method != IDEAL_EVENT_METHOD or not payment.stripe_payment_intent_id:
        return None
    current = await gateway.ideal_redirect(payment.stripe_payment_intent_id)
    return current.redirect_url if current.status == "requires_action" else None


async def _start(
    session: AsyncSession, gateway: StripeGateway, payment: PaymentRow, request: IdealRequest, *, field: str
) -> IdealStarted:
    customer = await stripe_payment_methods.find_customer(session, payment.studio_id, payment.member_id)
    try:
        started = await gateway.start_ideal_payment(
            payment_id=payment.id,
            purchase_id=payment.purchase_id,
            studio_id=payment.studio_id,
            customer_id=customer.stripe_customer_id if customer else None,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            return_url=request.return_url,
            bank=request.bank,
        )
    except stripe.InvalidRequestError as error:
        raise InvalidInput(
            f"Stripe refused the iDEAL payment: {error.user_message or error}",
            code="ideal_refused",
            field=field,
        ) from None
    url = _bank_address(started)
    payment.status = "pending"  # the scheduler retries only failed payments: none while the member pays
    payment.method = IDEAL_EVENT_METHOD
    payment.stripe_payment_intent_id = started.payment_intent_id
    await session.flush()
    return IdealStarted(payment=payment, redirect_url=url)


def _bank_address(started: IdealRedirect) -> str:
    if started.status != "requires_action" or not started.redirect_url:
        # Stripe always sends an iDEAL payer to their bank; anything else is a Stripe change to look at
        raise RuntimeError(f"Stripe answered an iDEAL payment with {started.status}, not a redirect")
    return started.redirect_url
