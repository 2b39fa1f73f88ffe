"""Which payment collects a subscription fee: each charge is taken by one payment, whatever the method."""

from __future__ import annotations

from gymloop_kit.logging import get_logger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, PaymentRow

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
