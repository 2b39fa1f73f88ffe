"""The payments ledger: every payment with its status history, lists filtered per member, run and status, and a
member's outstanding balance."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, PaymentRow, PaymentStatusChangeRow, PurchaseRow

UNPAID_STATUSES = ("failed", "returned", "refunded")  # the member still owes a payment in these states


async def record_status(
    session: AsyncSession, payment: PaymentRow, *, reason_code: str | None = None, reason: str | None = None
) -> None:
    """Add the payment's current status to its history (call after changing `payment.status`)."""
    session.add(
        PaymentStatusChangeRow(
            studio_id=payment.studio_id,
            payment_id=payment.id,
            status=payment.status,
            reason_code=reason_code,
            reason=reason,
        )
    )


async def record_statuses(session: AsyncSession, changes: Iterable[dict[str, Any]]) -> None:
    """Many history rows in one statement (a payment run's new payments): studio_id, payment_id, status."""
    rows = list(changes)
    if rows:
        await session.execute(insert(PaymentStatusChangeRow), rows)


@dataclass(frozen=True)
class PaymentFilter:
    member_id: uuid.UUID | None = None
    payment_run_id: uuid.UUID | None = None
    status: str | None = None


async def list_payments(
    session: AsyncSession, studio_id: uuid.UUID, filters: PaymentFilter, page: PageParams
) -> tuple[list[PaymentRow], int]:
    """The studio's payments matching the filters, the newest first (by their first status change)."""
    first_change = (
        select(func.min(PaymentStatusChangeRow.id))
        .where(PaymentStatusChangeRow.payment_id == PaymentRow.id)
        .scalar_subquery()
    )
    query = select(PaymentRow).where(PaymentRow.studio_id == studio_id)
    if filters.member_id is not None:
        query = query.where(PaymentRow.member_id == filters.member_id)
    if filters.payment_run_id is not None:
        query = query.where(PaymentRow.payment_run_id == filters.payment_run_id)
    if filters.status is not None:
        query = query.where(PaymentRow.status == filters.status)
    return await fetch_page(session, query.order_by(first_change.desc().nulls_last(), PaymentRow.id), page)


async def get_payment(
    session: AsyncSession, studio_id: uuid.UUID, payment_id: uuid.UUID, *, member_id: uuid.UUID | None = None
) -> tuple[PaymentRow, list[PaymentStatusChangeRow]]:
    """One payment with its history, oldest first; `member_id` set: only that member's (else 404)."""
    query = select(PaymentRow).where(PaymentRow.id == payment_id, PaymentRow.studio_id == studio_id)
    if member_id is not None:
        query = query.where(PaymentRow.member_id == member_id)
    payment = (await session.execute(query)).scalar_one_or_none()
    if payment is None:
        raise NotFound("payment not found", code="payment_not_found", field="payment_id")
    history = await session.scalars(
        select(PaymentStatusChangeRow)
        .where(PaymentStatusChangeRow.payment_id == payment_id, PaymentStatusChangeRow.studio_id == studio_id)
        .order_by(PaymentStatusChangeRow.id)
    )
    return payment, list(history)


@dataclass(frozen=True)
class Balance:
    open_charges_cents: int  # subscription fees and return fees no payment has taken (or reopened by a return)
    open_purchases_cents: int  # shop purchases to be paid with the next collection
    being_collected_cents: int  # pending payments: the bank or Stripe has not answered yet
    unpaid_cents: int  # failed, returned or refunded payments whose amount is not collected again

    @property
    def outstanding_cents(self) -> int:
        return self.open_charges_cents + self.open_purchases_cents + self.being_collected_cents + self.unpaid_cents


async def member_balance(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> Balance:
    """What the member owes in this studio, by where it stands. A returned payment whose charges were reopened
    counts once: as open charges."""
    open_charges = select(func.coalesce(func.sum(ChargeRow.amount_cents), 0)).where(
        ChargeRow.studio_id == studio_id,
        ChargeRow.member_id == member_id,
        ChargeRow.payment_id.is_(None),
        ChargeRow.payment_run_id.is_(None),
    )
    open_purchases = select(func.coalesce(func.sum(PurchaseRow.quantity * PurchaseRow.unit_price_cents), 0)).where(
        PurchaseRow.studio_id == studio_id,
        PurchaseRow.member_id == member_id,
        PurchaseRow.settlement == "next_payment",
        PurchaseRow.payment_run_id.is_(None),
    )
    mine = and_(PaymentRow.studio_id == studio_id, PaymentRow.member_id == member_id)
    pending = select(func.coalesce(func.sum(PaymentRow.amount_cents), 0)).where(mine, PaymentRow.status == "pending")
    unpaid = select(func.coalesce(func.sum(PaymentRow.amount_cents), 0)).where(
        mine, PaymentRow.status.in_(UNPAID_STATUSES), PaymentRow.reopened.is_(False)
    )
    row = (
        await session.execute(
            select(
                open_charges.scalar_subquery(),
                open_purchases.scalar_subquery(),
                pending.scalar_subquery(),
                unpaid.scalar_subquery(),
            )
        )
    ).one()
    return Balance(*(int(value) for value in row))
