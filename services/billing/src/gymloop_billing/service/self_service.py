"""Members choosing, paying and cancelling a plan themselves (rules in `domain.self_service`).

- A SEPA studio: the member gives IBAN and account holder and accepts the mandate text (an e-mandate); the mandate
  and the subscription commit together, and the subscription's fee is collected by the next payment run.
- A Stripe studio, a session pack: a payment of the pack's price, charged on the member's card (or paid by iDEAL
  at their bank) with no transaction open. The pack is granted only when Stripe's webhook says the payment succeeded
  (`grant_paid_pack`, from `payments.record_success`), once per payment: the payment leaves `pending` once, under
  its row lock, and the subscription's id is derived from the payment's.
- The cancel button: the terms shown on the confirmation step (read only), then the cancellation with its
  SubscriptionCancelled, from which notifications e-mails the receipt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import stripe
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.errors import InvalidInput, NotFound, TooManyRequests
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import CancelRequestRow, MandateRow, PaymentRow, SubscriptionRow
from gymloop_billing.domain import self_service as rules
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.ideal_payments import IDEAL_EVENT_METHOD, IdealRequest, ideal_request
from gymloop_billing.domain.stripe_payment_methods import EVENT_METHOD, StripeMethodType
from gymloop_billing.service import ideal_payments, members, payments, plans, sepa, stripe_payment_methods, studio
from gymloop_billing.service import subscriptions as subscription_cases
from gymloop_billing.service.stripe_gateway import ChargeOutcome, StripeGateway
from gymloop_billing.settings import BillingSettings

# --- SEPA: the e-mandate ------------------------------------------------------------------------------------


async def current_mandate_text(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> rules.MandateText:
    """The text the member is to accept in a SEPA studio, with their mandate reference."""
    await members.get_member(session, studio_id, member_id)  # another studio's member: 404 before anything else
    settings = await studio.get_settings(session, studio_id)
    if settings.collection_method != CollectionMethod.SEPA_EXPORT.value:
        raise InvalidInput(
            f"this studio collects by {settings.collection_method}, not by SEPA direct debit",
            code="not_sepa",
            field="collection_method",
        )
    return rules.mandate_text(
        creditor_name=settings.creditor_name, creditor_id=settings.creditor_id, member_id=member_id
    )


@dataclass(frozen=True)
class SepaChoice:
    plan_id: uuid.UUID
    start_date: date | None
    iban: str
    account_holder: str
    mandate_accepted: bool
    mandate_text_version: str


async def subscribe_by_sepa(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    choice: SepaChoice,
    *,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> tuple[SubscriptionRow, MandateRow]:
    """The member's e-mandate (signed by their consent to the current text) and their subscription, in the caller's
    transaction; every check before anything is written."""
    plan_row = await _offered_plan(session, studio_id, choice.plan_id)
    consent = MandateConsent(choice.iban, choice.account_holder, choice.mandate_accepted, choice.mandate_text_version)
    mandate = await sign_e_mandate(
        session, studio_id, member_id, consent, ip_address=ip_address, user_agent=user_agent, now=now
    )
    today = await studio_clock.today(session, studio_id, now)
    row = await subscription_cases.start_subscription(
        session, studio_id, member_id=member_id, plan_id=plan_row.id, start_date=choice.start_date or today
    )
    return row, mandate


@dataclass(frozen=True)
class MandateConsent:
    """What the member gives for an e-mandate: their account and their acceptance of one version of the text."""

    iban: str
    account_holder: str
    accepted: bool
    text_version: str


async def sign_e_mandate(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    consent: MandateConsent,
    *,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> MandateRow:
    """The member's mandate, signed by their consent to the current text (every check before it is written)."""
    text = await current_mandate_text(session, studio_id, member_id)
    iban = rules.sepa_iban(consent.iban)
    signature = rules.sign_mandate(
        accepted=consent.accepted,
        text_version=consent.text_version,
        current=text,
        ip_address=ip_address,
        user_agent=user_agent,
        now=now,
    )
    today = await studio_clock.today(session, studio_id, now)
    mandate = await sepa.put_mandate(
        session,
        studio_id,
        member_id,
        sepa.MandateInput(
            mandate_reference=text.mandate_reference, iban=iban, account_holder=consent.account_holder, signed_on=today
        ),
        today,
    )
    mandate.consented_at = signature.consented_at
    mandate.consent_ip = signature.ip_address
    mandate.consent_user_agent = signature.user_agent
    mandate.mandate_text_version = signature.text_version
    return mandate


async def _offered_plan(session: AsyncSession, studio_id: uuid.UUID, plan_id: uuid.UUID) -> plans.PlanRow:
    try:
        plan_row = await plans.get_plan_row(session, studio_id, plan_id)
    except NotFound:
        raise InvalidInput("this plan is not offered: choose one of the studio's", code="plan_not_offered",
                           field="plan_id") from None  # fmt: skip
    rules.ensure_member_may_choose(plans.to_domain(plan_row), active=plan_row.active)
    return plan_row


# --- Stripe: a session pack paid at once --------------------------------------------------------------------


@dataclass(frozen=True)
class PackStart:
    """A pack payment committed pending; what Stripe is to do with it (after the commit)."""

    payment: PaymentRow  # as committed (no longer attached to a session)
    customer_id: str | None
    payment_method_id: str | None  # card / SEPA debit: the member's default method
    payment_method_type: str | None
    ideal: IdealRequest | None


async def check_pack(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    plan_id: uuid.UUID,
    pay_with: str,
    return_url: str | None,
    ideal_bank: str | None,
) -> PackStart:
    """Every check of buying a pack, then its pending payment (the plan it buys on it)."""
    await stripe_payment_methods.ensure_stripe_studio(session, studio_id)
    await members.get_member(session, studio_id, member_id)
    plan_row = await _offered_plan(session, studio_id, plan_id)
    plan = plans.to_domain(plan_row)
    rules.ensure_pack(plan)
    if plan.free or plan.price_cents <= 0:
        raise InvalidInput("a free pack is given by the studio, not bought", code="plan_free", field="plan_id")
    customer = await stripe_payment_methods.find_customer(session, studio_id, member_id)
    ideal = None
    if pay_with == "ideal":
        ideal = ideal_request(currency=plan.currency, return_url=return_url, bank=ideal_bank)
        method = IDEAL_EVENT_METHOD
    elif pay_with == "default_method":
        if customer is None or not customer.payment_method_id:
            raise InvalidInput(
                f"you have no card or SEPA debit to charge: register one with PUT /members/{member_id}/stripe/"
                "payment-method, or pay by iDEAL",
                code="no_stripe_payment_method",
                field="pay_with",
            )
        method = EVENT_METHOD.get(customer.payment_method_type or "", "stripe_card")
    else:
        raise InvalidInput("pay_with is default_method or ideal", code="pay_with_unknown", field="pay_with")
    payment = PaymentRow(
        id=uuid.uuid4(),
        studio_id=studio_id,
        member_id=member_id,
        amount_cents=plan.price_cents,
        currency=plan.currency,
        method=method,
        status="pending",
        attempts=0,
        pack_plan_id=plan_id,
    )
    session.add(payment)
    await session.flush()
    return PackStart(
        payment=payment,
        customer_id=customer.stripe_customer_id if customer else None,
        payment_method_id=customer.payment_method_id if customer and ideal is None else None,
        payment_method_type=(customer.payment_method_type or StripeMethodType.CARD.value) if customer else None,
        ideal=ideal,
    )


@dataclass(frozen=True)
class PackBought:
    payment: PaymentRow
    redirect_url: str | None  # iDEAL: the member's bank


async def buy_pack(
    database: Database,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    plan_id: uuid.UUID,
    pay_with: str,
    return_url: str | None = None,
    ideal_bank: str | None = None,
) -> PackBought:
    """Checked and committed pending, charged (or sent to the bank) with no transaction open, Stripe's answer kept
    in a new transaction. Stripe's webhook settles the payment and so grants the pack."""
    async with database.transaction() as session:
        start = await check_pack(
            session, studio_id, member_id, plan_id=plan_id, pay_with=pay_with, return_url=return_url,
            ideal_bank=ideal_bank,
        )  # fmt: skip
    payment = start.payment
    if start.ideal is not None:
        started = await ideal_payments.send(
            gateway,
            ideal_payments.IdealStart(payment=payment, customer_id=start.customer_id, request=start.ideal,
                                      attempt="pack"),
            field="pay_with",
        )  # fmt: skip
        async with database.transaction() as session:
            kept = await _keep_intent(session, payment.id, started.payment_intent_id)
        return PackBought(kept, started.redirect_url if kept.status == "pending" else None)
    # checked in check_pack: a default method exists unless paying by iDEAL
    assert start.customer_id
    assert start.payment_method_id
    assert start.payment_method_type
    try:
        outcome = await gateway.charge_pack(
            payment_id=payment.id, studio_id=studio_id, customer_id=start.customer_id,
            payment_method_id=start.payment_method_id, payment_method_type=start.payment_method_type,
            amount_cents=payment.amount_cents, currency=payment.currency,
        )  # fmt: skip
    except stripe.InvalidRequestError as error:
        outcome = ChargeOutcome(status="failed", payment_intent_id=None, failure=error.user_message or str(error))
    async with database.transaction() as session:
        kept = await _keep_intent(session, payment.id, outcome.payment_intent_id)
        if outcome.status == "failed" and kept.status == "pending":
            failed_on = await studio_clock.today(session, studio_id)
            await payments.record_failure(
                session, kept, outcome.failure or "payment declined", failed_on, schedule_retry=False
            )
    return PackBought(kept, None)


async def _keep_intent(session: AsyncSession, payment_id: uuid.UUID, intent_id: str | None) -> PaymentRow:
    """Keep Stripe's intent on the payment, unless its webhook adopted it first (then it may be settled already)."""
    payment = (
        await session.execute(select(PaymentRow).where(PaymentRow.id == payment_id).with_for_update())
    ).scalar_one()
    if payment.stripe_payment_intent_id is None and intent_id is not None:
        payment.stripe_payment_intent_id = intent_id
    await session.flush()
    return payment


async def get_pack_payment(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, payment_id: uuid.UUID
) -> PaymentRow:
    payment = (
        await session.execute(
            select(PaymentRow).where(
                PaymentRow.id == payment_id,
                PaymentRow.studio_id == studio_id,
                PaymentRow.member_id == member_id,
                PaymentRow.pack_plan_id.is_not(None),
            )
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("payment not found", code="payment_not_found", field="payment_id")
    return payment


# --- the cancel button ---------------------------------------------------------------------------------------


async def _member_subscription(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, member_id: uuid.UUID | None, *,
    lock: bool,
) -> SubscriptionRow:  # fmt: skip
    statement = select(SubscriptionRow).where(
        SubscriptionRow.id == subscription_id, SubscriptionRow.studio_id == studio_id
    )
    row = (await session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if row is None or (member_id is not None and row.member_id != member_id):
        raise NotFound("subscription not found", code="subscription_not_found", field="subscription_id")
    return row


async def ensure_reachable(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, member_id: uuid.UUID | None
) -> None:
    """404 unless the subscription is the studio's and, for a member (`member_id`), their own."""
    await _member_subscription(session, studio_id, subscription_id, member_id, lock=False)


async def cancellation_terms(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, member_id: uuid.UUID | None
) -> tuple[SubscriptionRow, rules.CancellationTerms]:
    """What cancelling today would mean (the confirmation step); reads only. `member_id`: a member's own only."""
    row = await _member_subscription(session, studio_id, subscription_id, member_id, lock=False)
    plan_row = await plans.get_plan_row(session, studio_id, row.plan_id)
    today = await studio_clock.today(session, studio_id)
    planned = subscription_cases.to_domain(row, plan_row).cancel(today, rules.MEMBER_NOTICE_MONTHS).subscription
    return row, rules.CancellationTerms(
        requested_on=today, notice_months=rules.MEMBER_NOTICE_MONTHS, end_date=planned.end_date
    )


async def count_cancel_request(
    database: Database, settings: BillingSettings, member_id: uuid.UUID, ip: str, now: datetime
) -> None:
    """A member's press of the cancel button, counted in a transaction of its own (a refusal of the cancellation
    itself still counts); beyond the limits per member or per client address in the window: 429 cancel_throttled."""
    window = timedelta(seconds=settings.cancel_window_s)
    async with database.transaction() as session:
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"cancel-request:{member_id}"))))
        since = now - window
        by_member = list(
            await session.scalars(
                select(CancelRequestRow.at).where(CancelRequestRow.member_id == member_id, CancelRequestRow.at > since)
            )
        )
        by_ip = list(
            await session.scalars(
                select(CancelRequestRow.at).where(CancelRequestRow.ip == ip, CancelRequestRow.at > since)
            )
        )
        waits = [
            rules.wait_before_next(by_member, limit=settings.cancel_max_per_member, window=window, now=now),
            rules.wait_before_next(by_ip, limit=settings.cancel_max_per_ip, window=window, now=now),
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is None:
            session.add(CancelRequestRow(member_id=member_id, ip=ip, at=now))
    if wait is not None:
        raise TooManyRequests(
            f"too many cancel requests: try again in {wait} seconds", code="cancel_throttled", retry_after_s=wait
        )


async def cancel_by_member(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, member_id: uuid.UUID | None, *,
    confirmed: bool, by: Literal["member", "staff"] = "member",
) -> SubscriptionRow:  # fmt: skip
    """The cancel button pressed on the confirmation step: cancelled today with the member's notice; publishes
    SubscriptionCancelled (the receipt)."""
    if confirmed is not True:
        raise InvalidInput(
            "confirm the cancellation: send confirm=true from the confirmation step",
            code="confirmation_required",
            field="confirm",
        )
    await _member_subscription(session, studio_id, subscription_id, member_id, lock=False)
    today = await studio_clock.today(session, studio_id)
    return await subscription_cases.cancel_subscription(
        session, studio_id, subscription_id, today, rules.MEMBER_NOTICE_MONTHS, by=by
    )
