"""Which payment collects a subscription fee: each charge is taken by one payment, whatever the method; a returned
SEPA payment gives its charges back for the next run."""

from __future__ import annotations

from gymloop_kit.errors import InvalidInput
from gymloop_kit.logging import get_logger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, PaymentRow, PurchaseRow

log = get_logger(__name__)


async def take_oldest_open_charge(session: AsyncSession, payment: PaymentRow) -> ChargeRow | None:
    """A Stripe invoice of a subscription collects its oldest fee no payment has taken yet (Stripe invoices
    the periods in order), so no payment run debits that fee again, also after a switch to SEPA export."""
    if payment.subscription_id is None:
        return None
    charge = (
        await session.execute(
            select(ChargeRow)
            .where(
                ChargeRow.studio_id == payment.studio_id,
                ChargeRow.subscription_id == payment.subscription_id,
                ChargeRow.payment_run_id.is_(None),
                ChargeRow.payment_id.is_(None),
            )
            .order_by(ChargeRow.due_on, ChargeRow.id)
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if charge is None:
        log.info("stripe_invoice_without_open_charge", payment_id=str(payment.id))
        return None
    charge.payment_id = payment.id
    return charge


async def reopen_for_next_run(session: AsyncSession, payment: PaymentRow) -> None:
    """A returned SEPA payment's fees and purchases are open again, so the next payment run collects them (once,
    with the member's other open charges); each remembers the payment it was returned from."""
    await session.execute(
        update(ChargeRow)
        .where(ChargeRow.studio_id == payment.studio_id, ChargeRow.payment_id == payment.id)
        .values(payment_id=None, payment_run_id=None, returned_payment_id=payment.id)
        .execution_options(synchronize_session=False)
    )
    if payment.payment_run_id is not None:
        await session.execute(
            update(PurchaseRow)
            .where(
                PurchaseRow.studio_id == payment.studio_id,
                PurchaseRow.member_id == payment.member_id,
                PurchaseRow.payment_run_id == payment.payment_run_id,
            )
            .values(payment_run_id=None, returned_payment_id=payment.id)
            .execution_options(synchronize_session=False)
        )
    payment.reopened = True


async def take_back_reopened(session: AsyncSession, payment: PaymentRow) -> None:
    """A returned payment paid another way takes back the charges and purchases its return reopened, so no run
    collects them again. Refused while a later run is collecting them: that collection pays them."""
    if not payment.reopened:
        return
    recollected = (
        await session.execute(
            select(ChargeRow.payment_run_id)
            .where(ChargeRow.returned_payment_id == payment.id, ChargeRow.payment_run_id.is_not(None))
            .union(
                select(PurchaseRow.payment_run_id).where(
                    PurchaseRow.returned_payment_id == payment.id, PurchaseRow.payment_run_id.is_not(None)
                )
            )
            .limit(1)
        )
    ).scalar_one_or_none()
    if recollected is not None:
        raise InvalidInput(
            f"the returned amount is being collected again in payment run {recollected}: record that run's answer "
            "and clear its payment instead",
            code="payment_recollected",
            field="payment_id",
        )
    await session.execute(
        update(ChargeRow)
        .where(ChargeRow.returned_payment_id == payment.id, ChargeRow.payment_id.is_(None))
        .values(payment_id=payment.id, payment_run_id=payment.payment_run_id, returned_payment_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(PurchaseRow)
        .where(PurchaseRow.returned_payment_id == payment.id)
        .values(payment_run_id=payment.payment_run_id, returned_payment_id=None)
        .execution_options(synchronize_session=False)
    )
    payment.reopened = False
