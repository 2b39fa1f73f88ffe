"""Members paying through Stripe: our subscription plus a Stripe customer and subscription."""

from __future__ import annotations

import uuid
from datetime import date

from gymloop_kit.errors import InvalidInput
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import SubscriptionRow
from gymloop_billing.domain.plans import BillingPeriod
from gymloop_billing.service import plans, stripe_payment_methods, subscriptions
from gymloop_billing.service.stripe_gateway import StripeGateway

INTERVALS = {BillingPeriod.MONTHLY.value: "month", BillingPeriod.YEARLY.value: "year"}


async def start_stripe_subscription(
    session: AsyncSession,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    plan_id: uuid.UUID,
    start_date: date,
    payment_source: str | None,
) -> SubscriptionRow:
    await stripe_payment_methods.ensure_stripe_studio(session, studio_id)
    row = await subscriptions.start_subscription(
        session, studio_id, member_id=member_id, plan_id=plan_id, start_date=start_date
    )
    plan_row = await plans.get_plan_row(session, studio_id, plan_id)
    if plan_row.free:
        return row  # nothing to pay: no Stripe objects (e.g. hidden staff plans)
    interval = INTERVALS.get(plan_row.period)
    if interval is None:
        raise InvalidInput(
            "one-off plans are not sold as Stripe subscriptions", code="plan_not_recurring", field="plan_id"
        )
    customer = await stripe_payment_methods.ensure_customer(
        session, gateway, studio_id, member_id, source=payment_source
    )
    stripe_plan_id = await gateway.ensure_plan(
        plan_id=plan_id,
        name=plan_row.name,
        amount_cents=plan_row.price_cents,
        currency=plan_row.currency,
        interval=interval,
        studio_id=studio_id,
    )
    plan_row.stripe_plan_id = stripe_plan_id
    # localstripe/Stripe send the first invoice's webhook after a delay; it finds the member by the Stripe
    # subscription or customer id stored here once this transaction commits.
    row.stripe_subscription_id = await gateway.create_subscription(
        subscription_id=row.id,
        customer_id=customer.stripe_customer_id,
        stripe_plan_id=stripe_plan_id,
        studio_id=studio_id,
        member_id=member_id,
    )
    await session.flush()
    return row
