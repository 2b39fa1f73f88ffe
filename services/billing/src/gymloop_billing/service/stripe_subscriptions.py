"""Members paying through Stripe: our subscription plus a Stripe customer and subscription.

No Stripe call is made inside a database transaction. Starting one: the checks in a first transaction; the
customer and plan made in Stripe (idempotent: keyed by the member, named by the plan); then our subscription
committed together with the intent to make its Stripe twin (`stripe_intent`, keyed by the subscription id);
the Stripe subscription made; its id kept in a last transaction that marks the intent done. An intent left
pending (a crash or a Stripe outage in between) is made again by the scheduler (`link_pending`): the same key
is the same Stripe subscription.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from gymloop_kit.db import Database
from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.logging import get_logger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import SubscriptionRow
from gymloop_billing.domain.plans import BillingPeriod
from gymloop_billing.service import plans, stripe_intents, stripe_payment_methods, subscriptions
from gymloop_billing.service.stripe_gateway import STRIPE_UNAVAILABLE, StripeGateway

log = get_logger(__name__)

INTERVALS = {BillingPeriod.MONTHLY.value: "month", BillingPeriod.YEARLY.value: "year"}
SUBSCRIPTION_INTENT = "subscription"


@dataclass(frozen=True)
class StripeStart:
    """A checked Stripe start: what Stripe needs, read in a transaction and sent after it."""

    plan_id: uuid.UUID
    plan_name: str
    amount_cents: int
    currency: str
    interval: str | None  # None: a free plan, nothing to pay, no Stripe objects
    customer_id: str | None  # the member's Stripe customer, or None: `new_customer` is created
    new_customer: stripe_payment_methods.NewCustomer


@dataclass(frozen=True)
class StripeLink:
    """A subscription whose Stripe twin is to be made (its intent committed)."""

    subscription_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    customer_id: str
    stripe_plan_id: str

    @property
    def idempotency_key(self) -> str:
        return intent_key(self.subscription_id)


def intent_key(subscription_id: uuid.UUID) -> str:
    return f"gymloop-subscription-{subscription_id}"


async def check_start(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    plan_id: uuid.UUID,
    payment_source: str | None = None,
) -> StripeStart:
    await stripe_payment_methods.ensure_stripe_studio(session, studio_id)
    new_customer = await stripe_payment_methods.new_customer(session, studio_id, member_id)  # the member exists
    try:
        plan_row = await plans.get_plan_row(session, studio_id, plan_id)
    except NotFound:
        raise InvalidInput(
            f"plan {plan_id} does not exist in this studio", code="plan_unknown", field="plan_id"
        ) from None
    if not plan_row.active:
        raise InvalidInput(f"plan {plan_row.name!r} is no longer offered", code="plan_inactive", field="plan_id")
    interval = None if plan_row.free else INTERVALS.get(plan_row.period)
    if not plan_row.free and interval is None:
        raise InvalidInput(
            "one-off plans are not sold as Stripe subscriptions", code="plan_not_recurring", field="plan_id"
        )
    customer = await stripe_payment_methods.find_customer(session, studio_id, member_id)
    if interval is not None and payment_source is None and not stripe_payment_methods.has_payment_method(customer):
        # Stripe would refuse the subscription (nothing to invoice on): refused here, before anything is made
        raise InvalidInput(
            f"member {member_id} has no Stripe payment method to pay the subscription: register a card or SEPA "
            f"debit with PUT /members/{member_id}/stripe/payment-method first, or send a card as payment_source",
            code="no_stripe_payment_method",
            field="payment_source",
        )
    return StripeStart(
        plan_id=plan_id,
        plan_name=plan_row.name,
        amount_cents=plan_row.price_cents,
        currency=plan_row.currency,
        interval=interval,
        customer_id=customer.stripe_customer_id if customer else None,
        new_customer=new_customer,
    )


async def start_stripe_subscription(
    database: Database,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    plan_id: uuid.UUID,
    start_date: date,
    payment_source: str | None,
) -> SubscriptionRow:
    """Start a subscription paid through Stripe, with a transaction of its own around each Stripe call."""
    async with database.transaction() as session:
        start = await check_start(
            session, studio_id, member_id=member_id, plan_id=plan_id, payment_source=payment_source
        )
        if start.interval is None:  # nothing to pay: no Stripe objects (e.g. hidden staff plans)
            return await subscriptions.start_subscription(
                session, studio_id, member_id=member_id, plan_id=plan_id, start_date=start_date
            )
    customer_id = start.customer_id or await stripe_payment_methods.create_customer(
        gateway, start.new_customer, source=payment_source
    )
    stripe_plan_id = await gateway.ensure_plan(
        plan_id=plan_id,
        name=start.plan_name,
        amount_cents=start.amount_cents,
        currency=start.currency,
        interval=start.interval,
        studio_id=studio_id,
    )
    async with database.transaction() as session:
        await stripe_payment_methods.store_customer(
            session, studio_id, member_id, customer_id, card_source=bool(payment_source)
        )
        (await plans.get_plan_row(session, studio_id, plan_id, lock=True)).stripe_plan_id = stripe_plan_id
        row = await subscriptions.start_subscription(
            session, studio_id, member_id=member_id, plan_id=plan_id, start_date=start_date
        )
        stripe_intents.intend(
            session, key=intent_key(row.id), kind=SUBSCRIPTION_INTENT, studio_id=studio_id, subject_id=row.id
        )
    link = StripeLink(row.id, studio_id, member_id, customer_id, stripe_plan_id)
    try:
        return await make_stripe_subscription(database, gateway, link)
    except STRIPE_UNAVAILABLE as error:
        # our subscription stands; its Stripe twin is made by the scheduler's next pass (the intent is pending)
        log.warning("stripe_subscription_left_pending", subscription_id=str(row.id), error=repr(error))
        return row


async def make_stripe_subscription(database: Database, gateway: StripeGateway, link: StripeLink) -> SubscriptionRow:
    """Make the subscription's Stripe twin (no transaction open), then keep its id and mark the intent done.
    Stripe sends the first invoice's webhook a moment later; it finds the member by the customer id kept
    before, and the subscription by this id."""
    stripe_subscription_id = await gateway.create_subscription(
        subscription_id=link.subscription_id,
        customer_id=link.customer_id,
        stripe_plan_id=link.stripe_plan_id,
        studio_id=link.studio_id,
        member_id=link.member_id,
    )
    async with database.transaction() as session:
        row = (
            await session.execute(
                select(SubscriptionRow).where(SubscriptionRow.id == link.subscription_id).with_for_update()
            )
        ).scalar_one()
        row.stripe_subscription_id = row.stripe_subscription_id or stripe_subscription_id
        await stripe_intents.mark_done(session, link.idempotency_key)
        await session.flush()
        return row


async def pending_links(session: AsyncSession, now: datetime) -> list[StripeLink]:
    """Subscriptions whose Stripe twin was committed as an intent but not made (older than the grace)."""
    links = []
    for subscription_id in await stripe_intents.pending(session, SUBSCRIPTION_INTENT, now):
        row = (await session.execute(select(SubscriptionRow).where(SubscriptionRow.id == subscription_id))).scalar_one()
        customer = await stripe_payment_methods.find_customer(session, row.studio_id, row.member_id)
        plan_row = await plans.get_plan_row(session, row.studio_id, row.plan_id)
        if customer is None or plan_row.stripe_plan_id is None:  # both are committed with the intent
            log.error("stripe_intent_without_customer_or_plan", subscription_id=str(subscription_id))
            continue
        links.append(
            StripeLink(row.id, row.studio_id, row.member_id, customer.stripe_customer_id, plan_row.stripe_plan_id)
        )
    return links


async def link_pending(database: Database, gateway: StripeGateway, now: datetime) -> int:
    """The scheduler's reconciliation: make every pending Stripe twin again (same key: made once)."""
    async with database.transaction() as session:
        links = await pending_links(session, now)
    made = 0
    for link in links:
        try:
            await make_stripe_subscription(database, gateway, link)
            made += 1
        except Exception as error:  # Stripe still away or refusing: the intent stays for the next pass
            log.warning(
                "stripe_subscription_still_pending", subscription_id=str(link.subscription_id), error=repr(error)
            )
    return made
