"""Paying an amount due by iDEAL: a Stripe PaymentIntent the member approves at their bank (a redirect).

Two amounts can be paid: a shop purchase paid at once (`POST /purchases` with `pay_with=ideal`, see
`shop.record`) and a failed payment (a declined purchase or a failed subscription fee). The payment is
`pending` with method `stripe_ideal` until the intent's webhook settles it (`payments.apply_webhook`).

No Stripe call is made inside a database transaction: the payment is checked (and a purchase's payment
committed) first, the intent started in Stripe with none open, and kept on the payment in a new transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import stripe
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, PurchaseRow
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.ideal_payments import IDEAL_EVENT_METHOD, IdealRequest, ensure_payable, ideal_request
from gymloop_billing.service import stripe_payment_methods
from gymloop_billing.service.stripe_gateway import IdealRedirect, StripeGateway

# a started intent that can no longer be approved: a new one may be started
ENDED_WITHOUT_PAYMENT = ("requires_payment_method", "canceled")


@dataclass(frozen=True)
class IdealStarted:
    payment: PaymentRow
    redirect_url: str


@dataclass(frozen=True)
class IdealStart:
    """An iDEAL payment to start in Stripe: read in a transaction, sent after it."""

    payment: PaymentRow  # as read (no longer attached to a session)
    customer_id: str | None
    request: IdealRequest
    attempt: str  # names the Stripe idempotency key: the same attempt is the same intent


async def check_payment(
    session: AsyncSession,
    studio_id: uuid.UUID,
    payment_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    return_url: str | None,
    bank: str | None,
) -> IdealStart:
    """Every check of paying a failed payment by iDEAL. `member_id`: a member may pay only their own payments
    (others: 404)."""
    payment = (
        await session.execute(select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.studio_id == studio_id))
    ).scalar_one_or_none()
    if payment is None or (member_id is not None and payment.member_id != member_id):
        raise NotFound("payment not found", code="payment_not_found")
    await stripe_payment_methods.ensure_stripe_studio(session, studio_id)
    ensure_payable(payment.status, payment.method)
    request = ideal_request(currency=payment.currency, return_url=return_url, bank=bank)
    customer = await stripe_payment_methods.find_customer(session, studio_id, payment.member_id)
    return IdealStart(
        payment=payment,
        customer_id=customer.stripe_customer_id if customer else None,
        request=request,
        attempt=uuid.uuid4().hex,  # a new attempt: the member may try again after a failed or abandoned one
    )


async def start_for_payment(
    database: Database,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    payment_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    return_url: str | None,
    bank: str | None,
) -> IdealStarted:
    """Pay a failed payment by iDEAL: checked in one transaction, started in Stripe with none open, kept in a
    second one. Started again while the member has not been to their bank yet, it gives the same redirect."""
    async with database.transaction() as session:
        start = await check_payment(
            session, studio_id, payment_id, member_id=member_id, return_url=return_url, bank=bank
        )
    payment = start.payment
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
    started = await send(gateway, start, field="payment_id")
    async with database.transaction() as session:
        return await record_started(session, payment.id, started, replaces=payment.stripe_payment_intent_id)


def purchase_payment(purchase: PurchaseRow) -> PaymentRow:
    """A purchase paid at once by iDEAL: its payment (one per purchase, id derived from it) is pending."""
    return PaymentRow(
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


async def redirect_url(gateway: StripeGateway, payment: PaymentRow) -> str | None:
    """The bank's address of a pending iDEAL payment the member has not completed yet (else None)."""
    if payment.status != "pending" or payment.method != IDEAL_EVENT_METHOD or not payment.stripe_payment_intent_id:
        return None
    current = await gateway.ideal_redirect(payment.stripe_payment_intent_id)
    return current.redirect_url if current.status == "requires_action" else None


async def send(gateway: StripeGateway, start: IdealStart, *, field: str) -> IdealRedirect:
    """Start the iDEAL PaymentIntent in Stripe (no transaction open): the bank's redirect."""
    payment = start.payment
    try:
        started = await gateway.start_ideal_payment(
            payment_id=payment.id,
            purchase_id=payment.purchase_id,
            studio_id=payment.studio_id,
            customer_id=start.customer_id,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            return_url=start.request.return_url,
            bank=start.request.bank,
            attempt=start.attempt,
        )
    except stripe.InvalidRequestError as error:
        raise InvalidInput(
            f"Stripe refused the iDEAL payment: {error.user_message or error}",
            code="ideal_refused",
            field=field,
        ) from None
    _bank_address(started)
    return started


async def record_started(
    session: AsyncSession, payment_id: uuid.UUID, started: IdealRedirect, *, replaces: str | None
) -> IdealStarted:
    """Keep the started intent on the payment, if the payment is still as it was read before Stripe was called
    (`replaces`: the intent it had then). Otherwise it was paid or started meanwhile: 409."""
    payment = (
        await session.execute(select(PaymentRow).where(PaymentRow.id == payment_id).with_for_update())
    ).scalar_one()
    if payment.stripe_payment_intent_id == started.payment_intent_id:  # the same attempt again: kept already
        return IdealStarted(payment=payment, redirect_url=_bank_address(started))
    try:
        ensure_payable(payment.status, payment.method)
    except DomainError as error:
        raise Conflict(error.message, code=error.code, field="payment_id") from error
    if payment.stripe_payment_intent_id != replaces:
        raise Conflict(
            "another iDEAL payment of this amount was started at the same moment: use its redirect",
            code="payment_in_progress",
            field="payment_id",
        )
    payment.status = "pending"  # the scheduler retries only failed payments: none while the member pays
    payment.method = IDEAL_EVENT_METHOD
    payment.stripe_payment_intent_id = started.payment_intent_id
    await session.flush()
    return IdealStarted(payment=payment, redirect_url=_bank_address(started))


def _bank_address(started: IdealRedirect) -> str:
    if started.status != "requires_action" or not started.redirect_url:
        # Stripe always sends an iDEAL payer to their bank; anything else is a Stripe change to look at
        raise RuntimeError(f"Stripe answered an iDEAL payment with {started.status}, not a redirect")
    return started.redirect_url
