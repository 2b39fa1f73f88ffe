"""The daily due work of billing: renew finished periods, end what has ended, retry failed Stripe payments.

`run_due_work(session, now)` is one pass over every studio. It is idempotent: every step re-checks its
condition on the row it has locked (`SELECT ... FOR UPDATE`), so a second pass for the same day, or a pass of a
second replica running at the same time, finds nothing left to do. Each studio works on its own local day at
`now` (`studio_clock.today`: its time zone from members' StudioUpdated, the kit's default zone while unknown);
`now` is given by the caller so tests run any instant they like.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

import structlog
from gymloop_kit import studio_clock
from gymloop_kit.app import ServiceRuntime
from gymloop_kit.periodic import idle_forever, run_periodically
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, SubscriptionRow
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.subscriptions import SubscriptionStatus
from gymloop_billing.service import payments, subscriptions
from gymloop_billing.settings import BillingSettings

log = structlog.get_logger(__name__)

# A subscription that missed many passes (e.g. the service was down for months) is caught up period by
# period; the bound only guards against a rule bug looping forever.
MAX_RENEWALS_PER_PASS = 60


class PaymentRetrier(Protocol):
    """Charges a failed payment again; True when the charge went through."""

    async def retry_payment(self, payment: PaymentRow) -> bool: ...


@dataclass
class DueWorkReport:
    renewed: int = 0
    ended: int = 0
    retried: int = 0
    retries_succeeded: int = 0
    retries_waiting: int = 0  # due retries left for a pass that can reach Stripe
    studios: set[uuid.UUID] = field(default_factory=set)


async def run_due_work(session: AsyncSession, now: datetime, *, retrier: PaymentRetrier | None = None) -> DueWorkReport:
    """One scheduler pass for every studio at the instant `now`, in the caller's transaction (never commits).
    Each studio's "today" is its local day at `now`."""
    report = DueWorkReport()
    for studio_id in await _studios_with_open_work(session, studio_clock.latest_local_day(now)):
        today = await studio_clock.today(session, studio_id, now)
        report.studios.add(studio_id)
        report.renewed += await renew_due_subscriptions(session, studio_id, today)
        report.ended += await subscriptions.expire_subscriptions(session, studio_id, today)
        await retry_due_payments(session, studio_id, today, retrier, report)
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


async def retry_due_payments(
    session: AsyncSession,
    studio_id: uuid.UUID,
    today: date,
    retrier: PaymentRetrier | None,
    report: DueWorkReport,
) -> None:
    """Charge again every failed Stripe payment whose retry day has come in the studio (`today` is its local
    day; retry policy: 3/5/7 days, then overdue). A failure moves the next retry on, counted from that local
    day (or makes the member overdue); a success clears it."""
    due = (
        await session.execute(
            select(PaymentRow)
            .where(
                PaymentRow.studio_id == studio_id,
                PaymentRow.status == "failed",
                PaymentRow.next_retry_on <= today,
                PaymentRow.stripe_invoice_id.is_not(None),
            )
            .order_by(PaymentRow.id)
            .with_for_update(skip_locked=True)  # a webhook or another replica is settling it right now
        )
    ).scalars()
    for payment in list(due):
        if retrier is None:
            report.retries_waiting += 1
            continue
        try:
            charged = await retrier.retry_payment(payment)
        except Exception as error:  # Stripe unreachable or refusing the call: retry on the next pass
            log.warning("payment_retry_not_attempted", payment_id=str(payment.id), error=repr(error))
            report.retries_waiting += 1
            continue
        report.retried += 1
        if charged:
            report.retries_succeeded += 1
            await payments.record_success(session, payment)
        else:
            await payments.record_failure(session, payment, "retry of the Stripe payment failed", today)


async def billing_scheduler(runtime: ServiceRuntime) -> None:
    """Background job: run the due work every `scheduler_interval_s` (off when scheduler_enabled is false)."""
    settings = BillingSettings.from_service_settings(runtime.settings)
    if not settings.scheduler_enabled:
        await idle_forever()
    from gymloop_billing.service.stripe_gateway import StripeGateway  # the SDK client only when it runs

    retrier = StripeGateway(settings)

    async def one_pass() -> None:
        async with runtime.database.transaction() as session:
            report = await run_due_work(session, datetime.now(UTC), retrier=retrier)
        if report.renewed or report.ended or report.retried:
            log.info(
                "billing_due_work_done",
                renewed=report.renewed,
                ended=report.ended,
                retried=report.retried,
                retries_succeeded=report.retries_succeeded,
            )

    await run_periodically("billing_scheduler", one_pass, interval_s=settings.scheduler_interval_s)
