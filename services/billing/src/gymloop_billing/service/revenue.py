"""Revenue report from what was charged: subscription fees (per plan) and shop purchases (per product)."""

from __future__ import annotations

import uuid
from datetime import date

from gymloop_kit.studio_clock import add_months
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, PlanRow, PurchaseRow
from gymloop_billing.domain.revenue import MonthRevenue, RevenueEntry, RevenueSource, revenue_report


async def report(
    session: AsyncSession, studio_id: uuid.UUID, *, first_month: date, last_month: date, currency: str
) -> tuple[MonthRevenue, ...]:
    since = add_months(date(first_month.year, first_month.month, 1), -1)  # the previous month feeds the trend
    until = add_months(date(last_month.year, last_month.month, 1), 1)
    plan_names = {
        row.id: row.name
        for row in (await session.execute(select(PlanRow).where(PlanRow.studio_id == studio_id))).scalars()
    }
    entries: list[RevenueEntry] = []
    charges = await session.execute(
        select(ChargeRow).where(
            ChargeRow.studio_id == studio_id,
            ChargeRow.due_on >= since,
            ChargeRow.due_on < until,
            ChargeRow.currency == currency,
        )
    )
    for charge in charges.scalars():
        entries.append(
            RevenueEntry(
                charge.due_on,
                charge.amount_cents,
                charge.currency,
                RevenueSource.PLAN,
                charge.plan_id,
                plan_names.get(charge.plan_id, "plan"),
            )
        )
    purchases = await session.execute(
        select(PurchaseRow).where(
            PurchaseRow.studio_id == studio_id,
            PurchaseRow.purchased_on >= since,
            PurchaseRow.purchased_on < until,
            PurchaseRow.currency == currency,
        )
    )
    for purchase in purchases.scalars():
        entries.append(
            RevenueEntry(
                purchase.purchased_on,
                purchase.quantity * purchase.unit_price_cents,
                purchase.currency,
                RevenueSource.PRODUCT,
                purchase.product_id,
                purchase.product_name,
            )
        )
    return revenue_report(entries, first_month=first_month, last_month=last_month, currency=currency)
