"""Shop products and purchases."""

from __future__ import annotations

import uuid
from datetime import date

from gymloop_contracts.events.billing import PurchaseRecorded
from gymloop_kit.errors import Conflict, InvalidInput, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, ProductRow, PurchaseRow, StripeCustomerRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.ideal_payments import IdealRequest, ideal_request
from gymloop_billing.domain.shop import Product, record_purchase
from gymloop_billing.domain.stripe_payment_methods import EVENT_METHOD, StripeMethodType
from gymloop_billing.service import ideal_payments, members, payments, stripe_payment_methods, studio
from gymloop_billing.service.stripe_gateway import StripeGateway

SETTLEMENT_BY_METHOD = {
    CollectionMethod.SEPA_EXPORT.value: "next_payment",
    CollectionMethod.STRIPE.value: "stripe",
    CollectionMethod.OFFLINE.value: "offline",
}


async def create_product(
    session: AsyncSession, studio_id: uuid.UUID, *, name: str, price_cents: int, currency: str
) -> ProductRow:
    product = Product(
        product_id=uuid.uuid4(), studio_id=studio_id, name=name.strip(), price_cents=price_cents, currency=currency
    )
    row = ProductRow(
        id=product.product_id,
        studio_id=studio_id,
        name=product.name,
        price_cents=product.price_cents,
        currency=product.currency,
        active=True,
    )
    session.add(row)
    await session.flush()
    return row


async def list_products(session: AsyncSession, studio_id: uuid.UUID) -> list[ProductRow]:
    statement = select(ProductRow).where(ProductRow.studio_id == studio_id).order_by(ProductRow.name)
    return list((await session.execute(statement)).scalars())


async def record(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    purchased_on: date,
    purchase_id: uuid.UUID | None = None,
    gateway: StripeGateway | None = None,
    pay_with_ideal: bool = False,
    return_url: str | None = None,
    ideal_bank: str | None = None,
) -> PurchaseRow:
    """Record a purchase (PurchaseRecorded). `purchase_id` chosen by the caller makes the request safe to
    repeat: the same id again returns the recorded purchase and neither publishes nor charges again. In a
    Stripe studio the purchase is paid at once: on the member's default method (see `pay_now`), or by iDEAL
    (`pay_with_ideal`: pending until the member has approved it at their bank, see `ideal_payments`)."""
    if purchase_id is not None:
        existing = await _existing_purchase(session, purchase_id)
        if existing is not None:
            return _same_purchase(
                existing, studio_id=studio_id, member_id=member_id, product_id=product_id, quantity=quantity
            )
    await members.get_member(session, studio_id, member_id)
    product_row = (
        await session.execute(select(ProductRow).where(ProductRow.id == product_id, ProductRow.studio_id == studio_id))
    ).scalar_one_or_none()
    if product_row is None:
        raise InvalidInput(
            f"product {product_id} does not exist in this studio", code="product_unknown", field="product_id"
        )
    product = Product(
        product_id=product_row.id,
        studio_id=studio_id,
        name=product_row.name,
        price_cents=product_row.price_cents,
        currency=product_row.currency,
        active=product_row.active,
    )
    purchase = record_purchase(
        purchase_id=purchase_id or uuid.uuid4(),
        product=product,
        member_id=member_id,
        quantity=quantity,
        purchased_on=purchased_on,
    )
    settings = await studio.get_settings(session, studio_id)
    settlement = SETTLEMENT_BY_METHOD[settings.collection_method]
    customer = None
    ideal = _ideal_request(settlement, purchase.currency, return_url, ideal_bank) if pay_with_ideal else None
    if settlement == "stripe" and ideal is None:
        # checked before anything is written: a purchase we cannot charge is refused, not left unpaid
        customer = await stripe_payment_methods.find_customer(session, studio_id, member_id)
        if customer is None or not customer.payment_method_id:
            raise InvalidInput(
                "the member has no Stripe payment method to charge at once: register a card or SEPA debit "
                f"with PUT /members/{member_id}/stripe/payment-method first",
                code="no_stripe_payment_method",
                field="member_id",
            )
    row = PurchaseRow(
        id=purchase.purchase_id,
        studio_id=studio_id,
        member_id=member_id,
        product_id=product_id,
        product_name=purchase.product_name,
        quantity=purchase.quantity,
        unit_price_cents=purchase.unit_price_cents,
        currency=purchase.currency,
        purchased_on=purchase.purchased_on,
        settlement=settlement,
    )
    try:
        async with session.begin_nested():  # a twin request with the same purchase_id waits here for ours
            session.add(row)
            await session.flush()
    except IntegrityError:
        twin = await _existing_purchase(session, row.id)
        if twin is None:
            raise
        return _same_purchase(twin, studio_id=studio_id, member_id=member_id, product_id=product_id, quantity=quantity)
    await add_event(
        session,
        PurchaseRecorded(
            purchase_id=row.id,
            member_id=member_id,
            product_id=product_id,
            product_name=row.product_name,
            quantity=row.quantity,
            unit_price_cents=row.unit_price_cents,
            currency=row.currency,
            settlement=settlement,
        ),
        studio_id=studio_id,
    )
    if customer is not None or ideal is not None:
        if gateway is None:
            raise RuntimeError("a purchase in a Stripe studio needs the Stripe gateway")
        if ideal is not None:
            await ideal_payments.start_for_purchase(session, gateway, row, ideal)
        elif customer is not None:
            await pay_now(session, gateway, row, customer)
    return row


def _ideal_request(settlement: str, currency: str, return_url: str | None, bank: str | None) -> IdealRequest:
    """iDEAL goes through Stripe, in euros, with the member's way back: checked before anything is written."""
    if settlement != "stripe":
        raise InvalidInput(
            f"iDEAL is paid through Stripe and this studio settles purchases by {settlement}: "
            "record the purchase without pay_with",
            code="not_stripe",
            field="pay_with",
        )
    return ideal_request(currency=currency, return_url=return_url, bank=bank)


async def pay_now(
    session: AsyncSession, gateway: StripeGateway, purchase: PurchaseRow, customer: StripeCustomerRow
) -> PaymentRow:
    """Charge the purchase through Stripe once: one payment row per purchase (unique), and an idempotency
    key derived from the purchase id. A card answers at once; SEPA debit stays pending until the webhook."""
    payment = (
        await session.execute(
            select(PaymentRow)
            .where(PaymentRow.purchase_id == purchase.id, PaymentRow.studio_id == purchase.studio_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if payment is not None:
        return payment  # already charged (or being charged): never a second charge
    payment = PaymentRow(
        id=uuid.uuid5(purchase.id, "stripe-payment"),
        studio_id=purchase.studio_id,
        member_id=purchase.member_id,
        amount_cents=purchase.unit_price_cents * purchase.quantity,
        currency=purchase.currency,
        method=EVENT_METHOD.get(customer.payment_method_type or "", "stripe_card"),
        status="pending",
        attempts=0,
        purchase_id=purchase.id,
    )
    session.add(payment)
    await session.flush()  # a concurrent twin hits the unique purchase_id here, before Stripe is called
    outcome = await gateway.charge_now(
        payment_id=payment.id,
        purchase_id=purchase.id,
        studio_id=purchase.studio_id,
        customer_id=customer.stripe_customer_id,
        payment_method_id=str(customer.payment_method_id),
        payment_method_type=customer.payment_method_type or StripeMethodType.CARD.value,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
    )
    payment.stripe_payment_intent_id = outcome.payment_intent_id
    # A SEPA debit is settled only when Stripe's webhook says so (days later in real Stripe; localstripe
    # already calls the intent succeeded at once, then sends the webhook): never trust the first answer.
    settles_by_webhook = customer.payment_method_type == StripeMethodType.SEPA_DEBIT.value
    if outcome.status == "succeeded" and not settles_by_webhook:
        await payments.record_success(session, payment)
    elif outcome.status == "failed":
        await payments.record_failure(
            session, payment, outcome.failure or "payment declined", purchase.purchased_on, schedule_retry=False
        )
    await session.flush()
    return payment


async def purchase_payment(session: AsyncSession, studio_id: uuid.UUID, purchase_id: uuid.UUID) -> PaymentRow | None:
    return (
        await session.execute(
            select(PaymentRow).where(PaymentRow.purchase_id == purchase_id, PaymentRow.studio_id == studio_id)
        )
    ).scalar_one_or_none()


def _same_purchase(
    existing: PurchaseRow, *, studio_id: uuid.UUID, member_id: uuid.UUID, product_id: uuid.UUID, quantity: int
) -> PurchaseRow:
    """A repeated request: the recorded purchase, if it is the same one; otherwise the id was reused."""
    if (existing.studio_id, existing.member_id, existing.product_id, existing.quantity) != (
        studio_id,
        member_id,
        product_id,
        quantity,
    ):
        raise Conflict(
            f"purchase {existing.id} was already used for another purchase: send a new purchase_id",
            code="purchase_id_reused",
            field="purchase_id",
        )
    return existing


async def _existing_purchase(session: AsyncSession, purchase_id: uuid.UUID) -> PurchaseRow | None:
    """By id alone (the primary key): an id used in another studio is a conflict, without showing that row."""
    return (await session.execute(select(PurchaseRow).where(PurchaseRow.id == purchase_id))).scalar_one_or_none()


async def get_product(session: AsyncSession, studio_id: uuid.UUID, product_id: uuid.UUID) -> ProductRow:
    row = (
        await session.execute(select(ProductRow).where(ProductRow.id == product_id, ProductRow.studio_id == studio_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("product not found")
    return row
