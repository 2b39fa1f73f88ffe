"""Shop products and purchases; in a Stripe studio a purchase is paid at once, with Stripe called outside
any transaction (see `buy`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from gymloop_contracts.events.billing import PurchaseRecorded
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict, InvalidInput, NotFound
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, ProductRow, PurchaseRow, StripeCustomerRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.ideal_payments import IDEAL_EVENT_METHOD, IdealRequest, ideal_request
from gymloop_billing.domain.shop import Product, record_purchase
from gymloop_billing.domain.stripe_payment_methods import EVENT_METHOD, StripeMethodType
from gymloop_billing.service import (
    ideal_payments,
    members,
    payments,
    stripe_intents,
    stripe_payment_methods,
    studio,
)
from gymloop_billing.service.stripe_gateway import STRIPE_UNAVAILABLE, ChargeOutcome, StripeGateway

log = get_logger(__name__)

SETTLEMENT_BY_METHOD = {
    CollectionMethod.SEPA_EXPORT.value: "next_payment",
    CollectionMethod.STRIPE.value: "stripe",
    CollectionMethod.OFFLINE.value: "offline",
}


async def create_product(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    name: str,
    price_cents: int,
    currency: str,
    description: str = "",
) -> ProductRow:
    product = Product(
        product_id=uuid.uuid4(),
        studio_id=studio_id,
        name=name.strip(),
        price_cents=price_cents,
        currency=currency,
        description=description.strip(),
    )
    row = ProductRow(
        id=product.product_id,
        studio_id=studio_id,
        name=product.name,
        price_cents=product.price_cents,
        currency=product.currency,
        active=True,
        description=product.description,
    )
    session.add(row)
    await session.flush()
    return row


async def update_product(
    session: AsyncSession,
    studio_id: uuid.UUID,
    product_id: uuid.UUID,
    *,
    name: str,
    price_cents: int,
    description: str,
) -> ProductRow:
    """Change what the product is called, costs and says from now on. Past purchases copied the name and the
    unit price when they were made, so what members already owe stays as it was; the currency stays too (a
    product's purchases are all in one currency)."""
    row = await get_product(session, studio_id, product_id, lock=True)
    product = Product(
        product_id=row.id,
        studio_id=studio_id,
        name=name.strip(),
        price_cents=price_cents,
        currency=row.currency,
        active=row.active,
        description=description.strip(),
    )
    row.name, row.price_cents, row.description = product.name, product.price_cents, product.description
    await session.flush()
    return row


async def set_product_active(
    session: AsyncSession, studio_id: uuid.UUID, product_id: uuid.UUID, active: bool
) -> ProductRow:
    """A deactivated product is no longer sold (a purchase of it is refused); its past purchases stay."""
    row = await get_product(session, studio_id, product_id, lock=True)
    row.active = active
    await session.flush()
    return row


async def list_products(session: AsyncSession, studio_id: uuid.UUID) -> list[ProductRow]:
    statement = select(ProductRow).where(ProductRow.studio_id == studio_id).order_by(ProductRow.name)
    return list((await session.execute(statement)).scalars())


PURCHASE_CHARGE_INTENT = "purchase_charge"


@dataclass(frozen=True)
class PurchaseCharge:
    """A purchase's payment to charge at once on the member's default Stripe method. The pending payment and
    the intent are committed with the purchase; Stripe is called after, with a key derived from the purchase."""

    purchase_id: uuid.UUID
    payment: PaymentRow  # as committed (no longer attached to a session)
    customer_id: str
    payment_method_id: str
    payment_method_type: str
    purchased_on: date

    @property
    def idempotency_key(self) -> str:
        return charge_key(self.purchase_id)


def charge_key(purchase_id: uuid.UUID) -> str:
    return f"gymloop-purchase-{purchase_id}"


@dataclass(frozen=True)
class RecordedPurchase:
    purchase: PurchaseRow
    charge: PurchaseCharge | None = None  # Stripe to charge now (after the commit)
    ideal: ideal_payments.IdealStart | None = None  # an iDEAL payment to start (after the commit)


async def record(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    purchased_on: date,
    purchase_id: uuid.UUID | None = None,
    pay_with_ideal: bool = False,
    return_url: str | None = None,
    ideal_bank: str | None = None,
) -> RecordedPurchase:
    """Record a purchase (PurchaseRecorded). `purchase_id` chosen by the caller makes the request safe to
    repeat: the same id again returns the recorded purchase and neither publishes nor charges again. In a
    Stripe studio the purchase is paid at once: its payment is recorded pending here, and what Stripe is to
    do is returned (charge the member's default method, or start an iDEAL payment) for after the commit."""
    if purchase_id is not None:
        purchase_id = studio_purchase_id(studio_id, purchase_id)
        existing = await _existing_purchase(session, purchase_id)
        if existing is not None:
            same = _same_purchase(
                existing, studio_id=studio_id, member_id=member_id, product_id=product_id, quantity=quantity
            )
            return RecordedPurchase(same, charge=await _charge_left(session, same))
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
    if settlement == "stripe":
        # checked before anything is written: a purchase we cannot charge is refused, not left unpaid
        customer = await stripe_payment_methods.find_customer(session, studio_id, member_id)
        if ideal is None and (customer is None or not customer.payment_method_id):
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
        same = _same_purchase(twin, studio_id=studio_id, member_id=member_id, product_id=product_id, quantity=quantity)
        return RecordedPurchase(same, charge=await _charge_left(session, same))
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
    if ideal is not None:
        payment = ideal_payments.purchase_payment(row)
        session.add(payment)
        await session.flush()
        start = ideal_payments.IdealStart(
            payment=payment,
            customer_id=customer.stripe_customer_id if customer else None,
            request=ideal,
            attempt="purchase",  # a repeated start of the purchase's payment is the same Stripe intent
        )
        return RecordedPurchase(row, ideal=start)
    if customer is not None:
        return RecordedPurchase(row, charge=await _intend_charge(session, row, customer))
    return RecordedPurchase(row)


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


async def buy(
    database: Database,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    purchased_on: date | None,
    purchase_id: uuid.UUID | None = None,
    pay_with_ideal: bool = False,
    return_url: str | None = None,
    ideal_bank: str | None = None,
) -> Bought:
    """Record a purchase and, in a Stripe studio, pay it at once: the purchase, its pending payment and the
    intent commit first; Stripe is called with no transaction open; its answer is kept in a new one."""
    async with database.transaction() as session:
        recorded = await record(
            session, studio_id, member_id=member_id, product_id=product_id, quantity=quantity,
            purchased_on=purchased_on or await studio_clock.today(session, studio_id),
            purchase_id=purchase_id, pay_with_ideal=pay_with_ideal, return_url=return_url, ideal_bank=ideal_bank,
        )  # fmt: skip
    redirect = None
    if recorded.charge is not None:
        try:
            await charge(database, gateway, recorded.charge)
        except STRIPE_UNAVAILABLE as error:
            # the purchase stands, its payment pending: the scheduler charges it again with the same key
            log.warning("purchase_charge_left_pending", purchase_id=str(recorded.purchase.id), error=repr(error))
    elif recorded.ideal is not None:
        started = await ideal_payments.send(gateway, recorded.ideal, field="pay_with")
        async with database.transaction() as session:
            kept = await ideal_payments.record_started(session, recorded.ideal.payment.id, started, replaces=None)
        redirect = kept.redirect_url
    async with database.transaction() as session:
        payment = await purchase_payment(session, studio_id, recorded.purchase.id)
    if payment is not None and redirect is None:
        redirect = await ideal_payments.redirect_url(gateway, payment)
    return Bought(purchase=recorded.purchase, payment=payment, redirect_url=redirect)


@dataclass(frozen=True)
class Bought:
    purchase: PurchaseRow
    payment: PaymentRow | None
    redirect_url: str | None  # iDEAL: the member's bank


async def _intend_charge(session: AsyncSession, purchase: PurchaseRow, customer: StripeCustomerRow) -> PurchaseCharge:
    """The purchase's payment, pending (one per purchase: unique), and the intent to charge it."""
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
    stripe_intents.intend(
        session,
        key=charge_key(purchase.id),
        kind=PURCHASE_CHARGE_INTENT,
        studio_id=purchase.studio_id,
        subject_id=payment.id,
    )
    await session.flush()  # a concurrent twin hits the unique purchase_id here, before Stripe is called
    return _charge_of(purchase, payment, customer)


def _charge_of(purchase: PurchaseRow, payment: PaymentRow, customer: StripeCustomerRow) -> PurchaseCharge:
    return PurchaseCharge(
        purchase_id=purchase.id,
        payment=payment,
        customer_id=customer.stripe_customer_id,
        payment_method_id=str(customer.payment_method_id),
        payment_method_type=customer.payment_method_type or StripeMethodType.CARD.value,
        purchased_on=purchase.purchased_on,
    )


async def _charge_left(session: AsyncSession, purchase: PurchaseRow) -> PurchaseCharge | None:
    """A repeated request: the charge still to make if the first one's call never got its answer kept."""
    payment = await purchase_payment(session, purchase.studio_id, purchase.id)
    if payment is None or payment.status != "pending" or payment.stripe_payment_intent_id:
        return None
    if payment.method == IDEAL_EVENT_METHOD:
        return None  # nothing is charged without the member: they start the iDEAL payment again
    customer = await stripe_payment_methods.find_customer(session, purchase.studio_id, purchase.member_id)
    if customer is None or not customer.payment_method_id:
        return None
    return _charge_of(purchase, payment, customer)


async def charge(database: Database, gateway: StripeGateway, to_charge: PurchaseCharge) -> PaymentRow:
    """Charge the purchase through Stripe (no transaction open), then keep the answer. The key is derived
    from the purchase: a repeated call (a retried request, the scheduler after a crash) is the same charge."""
    payment = to_charge.payment
    outcome = await gateway.charge_now(
        payment_id=payment.id,
        purchase_id=to_charge.purchase_id,
        studio_id=payment.studio_id,
        customer_id=to_charge.customer_id,
        payment_method_id=to_charge.payment_method_id,
        payment_method_type=to_charge.payment_method_type,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
    )
    async with database.transaction() as session:
        return await record_charge(session, to_charge, outcome)


async def record_charge(session: AsyncSession, charge: PurchaseCharge, outcome: ChargeOutcome) -> PaymentRow:
    """Keep Stripe's answer to the purchase's charge, unless the webhook has settled the payment meanwhile."""
    await stripe_intents.mark_done(session, charge.idempotency_key)
    payment = (
        await session.execute(select(PaymentRow).where(PaymentRow.id == charge.payment.id).with_for_update())
    ).scalar_one()
    if payment.status != "pending":
        return payment  # Stripe's webhook of this charge came first and settled it
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or outcome.payment_intent_id
    # A SEPA debit is settled only when Stripe's webhook says so (days later in real Stripe; localstripe
    # already calls the intent succeeded at once, then sends the webhook): never trust the first answer.
    settles_by_webhook = charge.payment_method_type == StripeMethodType.SEPA_DEBIT.value
    if outcome.status == "succeeded" and not settles_by_webhook:
        await payments.record_success(session, payment)
    elif outcome.status == "failed":
        await payments.record_failure(
            session, payment, outcome.failure or "payment declined", charge.purchased_on, schedule_retry=False
        )
    await session.flush()
    return payment


async def charge_pending(database: Database, gateway: StripeGateway, now: datetime) -> int:
    """The scheduler's reconciliation: charge again every purchase whose charge was committed as an intent
    but whose answer was never kept (same key: charged once)."""
    async with database.transaction() as session:
        charges = []
        for payment_id in await stripe_intents.pending(session, PURCHASE_CHARGE_INTENT, now):
            payment = await session.get(PaymentRow, payment_id)
            purchase = await session.get(PurchaseRow, payment.purchase_id) if payment and payment.purchase_id else None
            if purchase is None:
                log.error("purchase_charge_intent_without_its_purchase", payment_id=str(payment_id))
                continue
            left = await _charge_left(session, purchase)
            if left is None:  # settled meanwhile (its webhook, or the request's own answer came after all)
                await stripe_intents.mark_done(session, charge_key(purchase.id))
            else:
                charges.append(left)
    for pending_charge in charges:
        try:
            await charge(database, gateway, pending_charge)
        except Exception as error:  # Stripe still away: the intent stays for the next pass
            log.warning("purchase_charge_still_pending", payment_id=str(pending_charge.payment.id), error=repr(error))
    return len(charges)


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


def studio_purchase_id(studio_id: uuid.UUID, purchase_id: uuid.UUID) -> uuid.UUID:
    """The id of the purchase a caller's `purchase_id` stands for in their studio. Each studio has its own, so a
    purchase_id another studio used is as new here as any other: no answer can tell that it exists elsewhere."""
    return uuid.uuid5(studio_id, str(purchase_id))


async def _existing_purchase(session: AsyncSession, purchase_id: uuid.UUID) -> PurchaseRow | None:
    return (await session.execute(select(PurchaseRow).where(PurchaseRow.id == purchase_id))).scalar_one_or_none()


async def get_product(
    session: AsyncSession, studio_id: uuid.UUID, product_id: uuid.UUID, *, lock: bool = False
) -> ProductRow:
    statement = select(ProductRow).where(ProductRow.id == product_id, ProductRow.studio_id == studio_id)
    if lock:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"product {product_id} not found in this studio", code="product_unknown")
    return row
