"""Payments, the member's payment state (ok/overdue) and the Stripe webhook."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import stripe
import structlog
from gymloop_contracts.events.billing import MemberPaymentStateChanged, PaymentFailed, PaymentSucceeded
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import (
    MemberPaymentStateRow,
    PaymentRow,
    StripeCustomerRow,
    StripeEventRow,
    SubscriptionRow,
)
from gymloop_billing.domain.ideal_payments import IDEAL_EVENT_METHOD
from gymloop_billing.domain.retry_policy import PaymentState, RetryPolicy, may_book, state_after_success
from gymloop_billing.domain.stripe_payment_methods import EVENT_METHOD
from gymloop_billing.service import charges, ledger, studio, subscriptions
from gymloop_billing.service.stripe_gateway import StripeGateway

log = structlog.get_logger(__name__)
RETRY_POLICY = RetryPolicy()
OFFLINE_METHOD = "offline"  # PaymentSucceeded's method for a payment made at the desk or by transfer


class WebhookRejected(InvalidInput):
    status_code = 400
    title = "Bad request"


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    applied: bool  # False: a duplicate or an event type we do not act on


@dataclass(frozen=True)
class MemberPaymentState:
    state: PaymentState
    failed_attempts: int


NO_PAYMENT_TROUBLE = MemberPaymentState(state=PaymentState.OK, failed_attempts=0)


async def read_payment_state(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> MemberPaymentState:
    """The member's ok/overdue state in this studio. Reads only: a member without a row has had no payment
    trouble, so a GET never writes (an insert on read let two readers collide on the key)."""
    row = (
        await session.execute(
            select(MemberPaymentStateRow.state, MemberPaymentStateRow.failed_attempts).where(
                MemberPaymentStateRow.studio_id == studio_id, MemberPaymentStateRow.member_id == member_id
            )
        )
    ).first()
    if row is None:
        return NO_PAYMENT_TROUBLE
    return MemberPaymentState(state=PaymentState(row.state), failed_attempts=row.failed_attempts)


async def _lock_payment_state(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID
) -> MemberPaymentStateRow:
    """The member's state row in this studio, locked for a change: upserted, so concurrent writers of a member
    without a row wait for each other instead of failing on the key."""
    await session.execute(
        pg_insert(MemberPaymentStateRow)
        .values(
            studio_id=studio_id,
            member_id=member_id,
            state=NO_PAYMENT_TROUBLE.state.value,
            failed_attempts=NO_PAYMENT_TROUBLE.failed_attempts,
        )
        .on_conflict_do_nothing(index_elements=[MemberPaymentStateRow.studio_id, MemberPaymentStateRow.member_id])
    )
    return (
        await session.execute(
            select(MemberPaymentStateRow)
            .where(MemberPaymentStateRow.studio_id == studio_id, MemberPaymentStateRow.member_id == member_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def _change_payment_state(
    session: AsyncSession, row: MemberPaymentStateRow, state: PaymentState, failed_attempts: int
) -> None:
    """Set the member's (locked) state; a change is announced to bookings, which keeps whether they may book."""
    if (row.state, row.failed_attempts) == (state.value, failed_attempts):
        return
    row.state, row.failed_attempts = state.value, failed_attempts
    await add_event(
        session,
        MemberPaymentStateChanged(member_id=row.member_id, state=state.value, failed_attempts=failed_attempts),
        studio_id=row.studio_id,
    )


async def record_success(session: AsyncSession, payment: PaymentRow, *, reason: str | None = None) -> None:
    payment.status = "succeeded"
    payment.next_retry_on = None
    await ledger.record_status(session, payment, reason=reason)
    await subscriptions.grant_paid_pack(session, payment)  # a pack bought in the app: granted now, once
    # a paid shop purchase or pack bought in the app does not settle an overdue subscription fee
    if payment.purchase_id is None and payment.pack_plan_id is None:
        state = await _lock_payment_state(session, payment.studio_id, payment.member_id)
        await _change_payment_state(session, state, state_after_success(), 0)
    await add_event(
        session,
        PaymentSucceeded(
            payment_id=payment.id,
            member_id=payment.member_id,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            method=payment.method,
            subscription_id=payment.subscription_id,
            purchase_id=payment.purchase_id,  # set only on a shop purchase paid at once
        ),
        studio_id=payment.studio_id,
    )


async def record_failure(
    session: AsyncSession,
    payment: PaymentRow,
    reason: str,
    failed_on: date,
    *,
    schedule_retry: bool = True,
    reason_code: str | None = None,
) -> None:
    """Apply the retry policy (Stripe: retry after 3, 5, 7 days, then overdue) and tell bookings.
    `schedule_retry=False` (a shop purchase charged at once): failed, no automatic retry, the member's
    ok/overdue state unchanged; staff settle it with the member."""
    payment.status = "failed"
    payment.attempts += 1
    payment.reason_code = reason_code
    await ledger.record_status(session, payment, reason_code=reason_code, reason=reason)
    decision = RETRY_POLICY.after_failure(payment.attempts, failed_on)
    payment.next_retry_on = decision.retry_on if schedule_retry else None
    state = await _lock_payment_state(session, payment.studio_id, payment.member_id)
    if schedule_retry:
        overdue = decision.state is PaymentState.OVERDUE or state.state == PaymentState.OVERDUE.value
        await _change_payment_state(
            session, state, PaymentState.OVERDUE if overdue else PaymentState.OK, payment.attempts
        )
    await _announce_failure(session, payment, reason, PaymentState(state.state), payment.method)


async def record_bank_return(
    session: AsyncSession,
    payment: PaymentRow,
    *,
    status: str,
    reason_code: str | None,
    reason: str,
    overdue: bool,
) -> MemberPaymentState:
    """A SEPA collection the bank returned or rejected: the payment takes `status` (returned, failed or refunded)
    with the bank's reason, the member's count of bank returns goes up by one and, with `overdue`, the member is
    overdue. Bookings and notifications are told (PaymentFailed, MemberPaymentStateChanged). No automatic retry:
    a payment run collects a reopened amount again."""
    payment.status = status
    payment.reason_code = reason_code
    payment.next_retry_on = None
    await ledger.record_status(session, payment, reason_code=reason_code, reason=reason)
    state = await _lock_payment_state(session, payment.studio_id, payment.member_id)
    returns = state.failed_attempts + 1
    new_state = PaymentState.OVERDUE if overdue or state.state == PaymentState.OVERDUE.value else PaymentState.OK
    await _change_payment_state(session, state, new_state, returns)
    await _announce_failure(session, payment, reason, new_state, payment.method)
    return MemberPaymentState(state=new_state, failed_attempts=returns)


async def _announce_failure(
    session: AsyncSession, payment: PaymentRow, reason: str, member_state: PaymentState, method: str
) -> None:
    """PaymentFailed with the member's payment state, and whether the studio lets them book in that state."""
    settings = await studio.get_settings(session, payment.studio_id)
    await add_event(
        session,
        PaymentFailed(
            payment_id=payment.id,
            member_id=payment.member_id,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            method=method,
            subscription_id=payment.subscription_id,
            purchase_id=payment.purchase_id,
            reason=reason,
            attempt=payment.attempts,
            next_retry_on=payment.next_retry_on,
            overdue=member_state is PaymentState.OVERDUE,
            may_book=may_book(member_state, settings.overdue_members_may_book),
        ),
        studio_id=payment.studio_id,
    )


async def mark_sepa_payment(
    session: AsyncSession, studio_id: uuid.UUID, payment_id: uuid.UUID, *, succeeded: bool, reason: str | None
) -> PaymentRow:
    """Staff record the bank's answer for a SEPA collection (paid, or returned with a reason)."""
    payment = (
        await session.execute(
            select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.studio_id == studio_id).with_for_update()
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("payment not found")
    if payment.status != "pending":
        raise InvalidInput(f"the payment is already {payment.status}", code="payment_settled", field="status")
    if succeeded:
        await record_success(session, payment, reason="paid, recorded by staff")
    else:
        # one answer entered by hand is not retried automatically: the member is overdue at once, with one return
        # counted (a return file applies the studio's reason-code policy instead: `service.returns`)
        await record_bank_return(
            session, payment, status="failed", reason_code=None, reason=reason or "returned by the bank", overdue=True
        )
    return payment


async def _event_day(session: AsyncSession, studio_id: uuid.UUID, event: dict[str, Any]) -> date:
    """The studio's local day on which Stripe's event happened (its `created` time): retry days count from it."""
    return await studio_clock.day_at(session, studio_id, datetime.fromtimestamp(int(event.get("created") or 0), UTC))


def verify_webhook(payload: bytes, signature: str | None, secret: str, tolerance_s: int) -> dict[str, Any]:
    """Check Stripe's signature over the raw body; anything else is rejected with 400."""
    if not secret:
        raise WebhookRejected("the Stripe webhook secret is not configured", code="webhook_not_configured")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature or "", secret, tolerance_s)
        event: dict[str, Any] = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise WebhookRejected(f"webhook signature invalid: {error}", code="webhook_signature_invalid") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "data" not in event:
        raise WebhookRejected("webhook body is not a Stripe event", code="webhook_body_invalid")
    return event


async def receive_webhook(database: Database, gateway: StripeGateway, event: dict[str, Any]) -> WebhookOutcome:
    """Apply one verified Stripe event, with no transaction open while Stripe is called: an iDEAL payment of a
    subscription fee first marks the Stripe invoice paid out of band (idempotent: keyed by our payment), then
    the event is applied in a transaction of its own. A failure in between answers 500, so Stripe delivers
    the event again and both steps are repeated (the first one as the same call for Stripe)."""
    async with database.transaction() as session:
        settle = await invoice_paid_by_ideal(session, event)
    settled = settle is None or await gateway.mark_invoice_paid_out_of_band(
        invoice_id=settle.invoice_id, payment_id=settle.payment_id
    )
    if not settled:
        assert settle is not None
        log.warning(
            "ideal_payment_of_an_invoice_already_paid",  # paid twice: staff refund one of them
            payment_id=str(settle.payment_id),
            invoice_id=settle.invoice_id,
        )
    async with database.transaction() as session:
        return await apply_webhook(session, event)


@dataclass(frozen=True)
class InvoiceToSettle:
    invoice_id: str
    payment_id: uuid.UUID


async def invoice_paid_by_ideal(session: AsyncSession, event: dict[str, Any]) -> InvoiceToSettle | None:
    """The Stripe invoice a succeeded iDEAL intent paid (a failed subscription fee), if this event settles it:
    Stripe must then stop collecting the invoice itself."""
    intent = event["data"].get("object") or {}
    if event.get("type") != "payment_intent.succeeded" or intent.get("invoice"):
        return None
    payment = await _intent_payment(session, intent, lock=False)
    if payment is None or payment.status != "pending" or payment.method != IDEAL_EVENT_METHOD:
        return None
    if not payment.stripe_invoice_id:
        return None
    return InvoiceToSettle(invoice_id=payment.stripe_invoice_id, payment_id=payment.id)


async def _intent_payment(session: AsyncSession, intent: dict[str, Any], *, lock: bool) -> PaymentRow | None:
    """Our payment a PaymentIntent was made for (our id is in its metadata), if the intent is its current one.
    A purchase's payment whose intent was never kept (our answer lost in a crash) adopts it while pending."""
    try:
        payment_id = uuid.UUID(str((intent.get("metadata") or {}).get("gymloop_payment_id")))
    except ValueError:
        return None
    statement = select(PaymentRow).where(PaymentRow.id == payment_id)
    payment = (await session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if payment is None:
        return None
    paid_at_once = payment.purchase_id is not None or payment.pack_plan_id is not None
    if payment.stripe_payment_intent_id is None and payment.status == "pending" and paid_at_once:
        if lock:
            payment.stripe_payment_intent_id = str(intent.get("id"))
        return payment
    return payment if payment.stripe_payment_intent_id == str(intent.get("id")) else None


async def apply_webhook(session: AsyncSession, event: dict[str, Any]) -> WebhookOutcome:
    """Apply one verified Stripe event once. Duplicates (same event id) change nothing; a late
    payment_failed for an invoice already paid is ignored (paid is final), so order does not matter.
    Makes no Stripe call (see `receive_webhook`)."""
    event_id: str = event["id"]
    event_type = event.get("type")
    invoice = event["data"].get("object") or {}
    if event_type in PAYMENT_INTENT_EVENTS:
        return await _apply_payment_intent_event(session, event)
    if event_type not in ("invoice.payment_succeeded", "invoice.payment_failed"):
        return WebhookOutcome(event_id, applied=False)
    owner = await _invoice_owner(session, invoice)
    if owner is None:
        # not (yet) ours: do not remember the id, so a redelivery after our commit is still applied
        return WebhookOutcome(event_id, applied=False)
    studio_id, member_id, subscription_id = owner
    inserted = (
        await session.execute(
            pg_insert(StripeEventRow)
            .values(
                event_id=event_id,
                event_type=str(event_type),
                created=int(event.get("created") or 0),
                studio_id=studio_id,
            )
            .on_conflict_do_nothing(index_elements=[StripeEventRow.event_id])
            .returning(StripeEventRow.event_id)
        )
    ).first()
    if inserted is None:
        return WebhookOutcome(event_id, applied=False)
    payment = (
        await session.execute(
            select(PaymentRow).where(PaymentRow.stripe_invoice_id == str(invoice["id"])).with_for_update()
        )
    ).scalar_one_or_none()
    if payment is None:
        payment = PaymentRow(
            id=uuid.uuid4(),
            studio_id=studio_id,
            member_id=member_id,
            amount_cents=int(invoice.get("amount_due") or invoice.get("total") or 0),
            currency=str(invoice.get("currency") or "eur").upper(),
            method=await _customer_method(session, studio_id, member_id),
            status="pending",
            attempts=0,
            subscription_id=subscription_id,
            stripe_invoice_id=str(invoice["id"]),
        )
        session.add(payment)
        await ledger.record_status(session, payment)
        await session.flush()
        await charges.take_oldest_open_charge(session, payment)
    if payment.status == "succeeded":
        return WebhookOutcome(event_id, applied=False)
    if payment.status == "pending" and payment.method == IDEAL_EVENT_METHOD:
        if event_type == "invoice.payment_failed":
            return WebhookOutcome(event_id, applied=False)  # being paid by iDEAL: its intent's webhook settles it
        payment.method = await _customer_method(session, studio_id, member_id)  # Stripe charged the default
    attempt_count = invoice.get("attempt_count")
    if event_type == "invoice.payment_failed" and isinstance(attempt_count, int) and payment.attempts >= attempt_count:
        # the scheduler's retry already counted this failed attempt when Stripe answered it
        return WebhookOutcome(event_id, applied=False)
    if event_type == "invoice.payment_succeeded":
        await record_success(session, payment)
    else:
        failed_on = await _event_day(session, payment.studio_id, event)
        await record_failure(session, payment, "card payment failed", failed_on)
    return WebhookOutcome(event_id, applied=True)


async def _invoice_owner(
    session: AsyncSession, invoice: dict[str, Any]
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None] | None:
    """Studio, member and our subscription of an invoice. Stripe names the subscription in `subscription`
    (older API versions) or in `parent.subscription_details`, whose `metadata` carries our subscription id: that
    finds the subscription also when the first invoice comes before we kept the Stripe subscription's id."""
    details = _object(_object(invoice.get("parent")).get("subscription_details"))
    stripe_subscription = invoice.get("subscription") or details.get("subscription")
    if isinstance(stripe_subscription, dict):  # expanded
        stripe_subscription = stripe_subscription.get("id")
    sub = None
    if stripe_subscription:
        sub = (
            await session.execute(
                select(SubscriptionRow).where(SubscriptionRow.stripe_subscription_id == str(stripe_subscription))
            )
        ).scalar_one_or_none()
    ours = _object(details.get("metadata")).get("subscription_id")
    if sub is None and ours:
        try:
            sub = await session.get(SubscriptionRow, uuid.UUID(str(ours)))
        except ValueError:
            sub = None
    if sub is not None:
        return sub.studio_id, sub.member_id, sub.id
    customer = invoice.get("customer")
    if customer:
        row = (
            await session.execute(
                select(StripeCustomerRow).where(StripeCustomerRow.stripe_customer_id == str(customer))
            )
        ).scalar_one_or_none()
        if row is not None:
            return row.studio_id, row.member_id, None
    return None


def _object(value: Any) -> dict[str, Any]:
    """A nested object of Stripe's event, or an empty one when it is absent (or not an object)."""
    return value if isinstance(value, dict) else {}


PAYMENT_INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")


async def _apply_payment_intent_event(session: AsyncSession, event: dict[str, Any]) -> WebhookOutcome:
    """A payment charged through its own PaymentIntent: a shop purchase paid at once, or an iDEAL payment
    (of a purchase or of a failed subscription fee), found by our payment id in the intent's metadata.
    Intents of invoices are left to the invoice events. Only the payment's current intent counts (an older
    one of the same payment, e.g. the declined card before an iDEAL payment, changes nothing), and only
    while the payment is pending (a card answers at once)."""
    event_id: str = event["id"]
    intent = event["data"].get("object") or {}
    if intent.get("invoice"):
        return WebhookOutcome(event_id, applied=False)
    payment = await _intent_payment(session, intent, lock=True)
    if payment is None:
        return WebhookOutcome(event_id, applied=False)  # not (yet) ours: a redelivery after our commit applies
    inserted = (
        await session.execute(
            pg_insert(StripeEventRow)
            .values(
                event_id=event_id,
                event_type=str(event.get("type")),
                created=int(event.get("created") or 0),
                studio_id=payment.studio_id,
            )
            .on_conflict_do_nothing(index_elements=[StripeEventRow.event_id])
            .returning(StripeEventRow.event_id)
        )
    ).first()
    if inserted is None or payment.status != "pending":
        return WebhookOutcome(event_id, applied=False)
    if event.get("type") == "payment_intent.succeeded":
        await record_success(session, payment)  # an invoice it paid was settled before (`receive_webhook`)
        return WebhookOutcome(event_id, applied=True)
    error = intent.get("last_payment_error") or {}
    reason = str(error.get("message") or "payment failed")
    if payment.purchase_id is not None or payment.pack_plan_id is not None:
        failed_on = await _event_day(session, payment.studio_id, event)
        await record_failure(session, payment, reason, failed_on, schedule_retry=False)
    else:
        await _ideal_attempt_failed(session, payment, f"iDEAL payment failed: {reason}")
    return WebhookOutcome(event_id, applied=True)


async def _ideal_attempt_failed(session: AsyncSession, payment: PaymentRow, reason: str) -> None:
    """An iDEAL attempt to pay a failed subscription fee failed (refused or abandoned at the member's bank).
    The fee is due as before: failed again, its retry schedule (attempts, next retry) unchanged, and the
    scheduler's retries charge the member's default method again. PaymentFailed says so with the member's
    current state (this attempt neither counts as a retry nor makes the member overdue)."""
    payment.status = "failed"
    await ledger.record_status(session, payment, reason=reason)
    current = await read_payment_state(session, payment.studio_id, payment.member_id)
    await _announce_failure(session, payment, reason, current.state, IDEAL_EVENT_METHOD)
    payment.method = await _customer_method(session, payment.studio_id, payment.member_id)


async def _customer_method(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> str:
    """The event's `method` for an invoice payment: the type of the customer's default payment method."""
    method_type = (
        await session.execute(
            select(StripeCustomerRow.payment_method_type).where(
                StripeCustomerRow.member_id == member_id, StripeCustomerRow.studio_id == studio_id
            )
        )
    ).scalar_one_or_none()
    return EVENT_METHOD.get(method_type or "", "stripe_card")


async def settle_by_other_means(session: AsyncSession, studio_id: uuid.UUID, payment_id: uuid.UUID) -> PaymentRow:
    """Staff record that the member paid a failed or returned payment another way (at the desk, by transfer):
    the payment succeeds as an offline one and the member's overdue state clears. A payment someone still
    collects is refused, so it cannot be paid twice: one in a payment run awaits the bank's answer, and a Stripe
    invoice is still retried by Stripe."""
    payment = (
        await session.execute(
            select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.studio_id == studio_id).with_for_update()
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("payment not found", code="payment_not_found", field="payment_id")
    if payment.status == "succeeded":
        raise InvalidInput("the payment is already paid: nothing to clear", code="payment_settled", field="status")
    if payment.status == "pending" and payment.payment_run_id is not None:
        raise InvalidInput(
            "the payment is being collected in a payment run: record the bank's answer first, then clear it if "
            "the bank returned it",
            code="payment_being_collected",
            field="status",
        )
    if payment.stripe_invoice_id is not None:
        raise InvalidInput(
            "Stripe still collects this invoice: let the member pay it by iDEAL (POST /payments/{id}/ideal) "
            "instead of at the desk",
            code="payment_collected_by_stripe",
            field="payment_id",
        )
    await charges.take_back_reopened(session, payment)
    payment.method = OFFLINE_METHOD
    await record_success(session, payment, reason="paid another way, recorded by staff")
    return payment
