"""The daily due work of billing: renew finished periods, end what has ended, retry failed Stripe payments.

`run_due_work(database, now)` is one pass over every studio. Each studio's renewals and endings commit in a
transaction of their own, so a studio that fails (logged) rolls back nothing of the others. Stripe is never
called inside a transaction: a due retry is read (the failed payment and its attempt count are the committed
intent), Stripe is called with an idempotency key derived from that intent, and the answer is recorded in a
new transaction only if the payment is still at that attempt (a webhook or another replica may have settled
it in between). A crash after the call repeats it on the next pass with the same key: charged once.

The pass is idempotent: every step re-checks its condition on the row it has locked (`SELECT ... FOR
UPDATE`), so a second pass for the same day, or a pass of a second replica running at the same time, finds
nothing left to do. Each studio works on its own local day at `now` (`studio_clock.today`: its time zone
from members' StudioUpdated, the kit's default zone while unknown); `now` is given by the caller so tests run
any instant they like.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

import structlog
from gymloop_kit import studio_clock
from gymloop_kit.app import ServiceRuntime
from gymloop_kit.db import Database
from gymloop_kit.periodic import idle_forever, run_periodically
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, SubscriptionRow
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.subscriptions import SubscriptionStatus
from gymloop_billing.service import payments, shop, stripe_subscriptions, subscriptions
from gymloop_billing.service.stripe_gateway import StripeGateway
from gymloop_billing.settings import BillingSettings

log = structlog.get_logger(__name__)

# A subscription that missed many passes (e.g. the service was down for months) is caught up period by
# period; the bound only guards against a rule bug looping forever.
MAX_RENEWALS_PER_PASS = 60


class PaymentRetrier(Protocol):
    """Charges a failed invoice again; True when it is paid. The same key again is the same charge."""

    async def retry_invoice(self, invoice_id: str, *, idempotency_key: str) -> bool: ...


@dataclass(frozen=True)
class DueRetry:
    """A failed Stripe payment whose retry day has come, as committed: the intent of one retry."""

    payment_id: uuid.UUID
    attempts: int
    invoice_id: str

    @property
    def idempotency_key(self) -> str:
        # the payment and the attempt: a repeated pass re-sends the same charge, the next attempt is a new one
        return f"gymloop-retry-{self.payment_id}-{self.attempts}"


@dataclass
class DueWorkReport:
    renewed: int = 0
    ended: int = 0
    retried: int = 0
    retries_succeeded: int = 0
    retries_waiting: int = 0  # due retries left for a pass that can reach Stripe
    studios: set[uuid.UUID] = field(default_factory=set)
    failed_studios: set[uuid.UUID] = field(default_factory=set)  # rolled back, tried again on the next pass


async def run_due_work(database: Database, now: datetime, *, retrier: PaymentRetrier | None = None) -> DueWorkReport:
    """One scheduler pass for every studio at the instant `now`: a transaction per studio, and one per
    recorded retry. Each studio's "today" is its local day at `now`."""
    report = DueWorkReport()
    async with database.transaction() as session:
        studio_ids = await _studios_with_open_work(session, studio_clock.latest_local_day(now))
    for studio_id in studio_ids:
        report.studios.add(studio_id)
        try:
            async with database.transaction() as session:
                today = await studio_clock.today(session, studio_id, now)
                renewed = await renew_due_subscriptions(session, studio_id, today)
                ended = await subscriptions.expire_subscriptions(session, studio_id, today)
                due = await due_retries(session, studio_id, today)
        except Exception as error:  # a bug or bad data in one studio must not stop the others' renewals
            log.warning("studio_due_work_failed", studio_id=str(studio_id), error=repr(error), exc_info=True)
            report.failed_studios.add(studio_id)
            continue
        report.renewed += renewed
        report.ended += ended
        for retry in due:
            await _retry(database, retry, today, retrier, report)
    return report


async def _studios_with_open_work(session: AsyncSession, latest: date) -> list[uuid.UUID]:
    """Studios with running subscriptions or a retry due by `latest` (no studio's local day is later)."""
    running = select(SubscriptionRow.studio_id).where(SubscriptionRow.status != SubscriptionStatus.ENDED.value)
    retrying = select(PaymentRow.studio_id).where(PaymentRow.status == "failed", PaymentRow.next_retry_on <= latest)
    studio_ids = set((await session.execute(running.distinct())).scalars())
    studio_ids.update((await session.execute(retrying.distinct())).scalars())
    return sorted(studio_ids)


async def renew_due_subscriptions(session: AsyncSession, studio_id: uuid.UUID, today: date) -> int:
    """Roll every recurring subscription whose period ended before `today` into its current period.

    One SubscriptionRenewed (and one charge) per period. Not renewed: paused subscriptions, one-off plans
    (a rebuy is a new purchase) and cancelled ones whose end date comes first (they end instead)."""
    candidates = (
        await session.execute(
            select(SubscriptionRow.id).where(
                SubscriptionRow.studio_id == studio_id,
                SubscriptionRow.status == SubscriptionStatus.ACTIVE.value,
                SubscriptionRow.valid_until < today,
            )
        )
    ).scalars()
    renewed = 0
    for subscription_id in list(candidates):
        for _ in range(MAX_RENEWALS_PER_PASS):
            _, sub = await subscriptions.load(session, studio_id, subscription_id)  # locks the row
            if not _renewal_due(sub.plan.is_recurring, sub.status, sub.valid_until, sub.end_date, today):
                break
            try:
                await subscriptions.renew_subscription(session, studio_id, subscription_id, None)
            except DomainError as error:  # a rule we did not foresee: leave it for staff, keep going
                log.warning("scheduled_renewal_refused", subscription_id=str(subscription_id), code=error.code)
                break
            renewed += 1
    return renewed


def _renewal_due(
    recurring: bool, status: SubscriptionStatus, valid_until: date | None, end_date: date | None, today: date
) -> bool:
    if not recurring or status is not SubscriptionStatus.ACTIVE or valid_until is None or valid_until >= today:
        return False
    return end_date is None or valid_until < end_date


async def due_retries(session: AsyncSession, studio_id: uuid.UUID, today: date) -> list[DueRetry]:
    """Every failed Stripe payment of the studio whose retry day has come (`today` is its local day)."""
    rows = await session.execute(
        select(PaymentRow.id, PaymentRow.attempts, PaymentRow.stripe_invoice_id)
        .where(
            PaymentRow.studio_id == studio_id,
            PaymentRow.status == "failed",
            PaymentRow.next_retry_on <= today,
            PaymentRow.stripe_invoice_id.is_not(None),
        )
        .order_by(PaymentRow.id)
    )
    return [DueRetry(payment_id=row[0], attempts=row[1], invoice_id=str(row[2])) for row in rows]


async def _retry(
    database: Database, retry: DueRetry, today: date, retrier: PaymentRetrier | None, report: DueWorkReport
) -> None:
    """Charge the payment again outside any transaction, then record the answer (retry policy: 3/5/7 days,
    then overdue; a failure moves the next retry on, counted from the studio's local day; a success clears
    it)."""
    if retrier is None:
        report.retries_waiting += 1
        return
    try:
        charged = await retrier.retry_invoice(retry.invoice_id, idempotency_key=retry.idempotency_key)
    except Exception as error:  # Stripe unreachable or refusing the call: retry on the next pass, same key
        log.warning("payment_retry_not_attempted", payment_id=str(retry.payment_id), error=repr(error))
        report.retries_waiting += 1
        return
    report.retried += 1
    async with database.transaction() as session:
        payment = (
            await session.execute(select(PaymentRow).where(PaymentRow.id == retry.payment_id).with_for_update())
        ).scalar_one()
        if payment.status != "failed" or payment.attempts != retry.attempts:
            # settled meanwhile (Stripe's webhook of this very charge, or another replica): counted once there
            log.info("payment_retry_settled_meanwhile", payment_id=str(retry.payment_id), status=payment.status)
            return
        if charged:
            report.retries_succeeded += 1
            await payments.record_success(session, payment)
        else:
            await payments.record_failure(session, payment, "retry of the Stripe payment failed", today)


async def billing_scheduler(runtime: ServiceRuntime) -> None:
    """Background job: run the due work every `scheduler_interval_s` (off when scheduler_enabled is false), after
    making again the Stripe calls whose intent was left pending (Stripe subscriptions, purchase charges)."""
    settings = BillingSettings.from_service_settings(runtime.settings)
    if not settings.scheduler_enabled:
        await idle_forever()
    gateway = StripeGateway(settings)

    async def one_pass() -> None:
        now = datetime.now(UTC)
        linked = await stripe_subscriptions.link_pending(runtime.database, gateway, now)
        charged = await shop.charge_pending(runtime.database, gateway, now)
        report = await run_due_work(runtime.database, now, retrier=gateway)
        if linked or charged:
            log.info("stripe_intents_made_again", subscriptions=linked, purchase_charges=charged)
        if report.renewed or report.ended or report.retried or report.failed_studios:
            log.info(
                "billing_due_work_done",
                renewed=report.renewed,
                ended=report.ended,
                retried=report.retried,
                retries_succeeded=report.retries_succeeded,
                failed_studios=len(report.failed_studios),
            )

    await run_periodically("billing_scheduler", one_pass, interval_s=settings.scheduler_interval_s)
