"""A member's billing at a glance: subscriptions with their plan's name, purchases and payments, newest first.

A page's total comes with its rows (a window count), so a page is one round trip; only a page past the end, which
has no rows to carry it, counts on its own."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from gymloop_kit.db import AnySelect
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, PaymentRunRow, PlanRow, PurchaseRow, SubscriptionRow


async def member_subscriptions(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID
) -> list[tuple[SubscriptionRow, str | None]]:
    """Every subscription of the member with its plan's name (None if the plan is unknown here), oldest first."""
    rows = await session.execute(
        select(SubscriptionRow, PlanRow.name)
        .outerjoin(PlanRow, (PlanRow.id == SubscriptionRow.plan_id) & (PlanRow.studio_id == studio_id))
        .where(SubscriptionRow.studio_id == studio_id, SubscriptionRow.member_id == member_id)
        .order_by(SubscriptionRow.start_date)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def _page(
    session: AsyncSession,
    query: AnySelect,
    mine: tuple[ColumnElement[bool], ...],
    table: Any,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    rows = (await session.execute(query.add_columns(func.count().over()).limit(limit).offset(offset))).all()
    if rows:
        return [tuple(row)[:-1] for row in rows], int(tuple(rows[0])[-1])
    if offset == 0:
        return [], 0
    total = (await session.execute(select(func.count()).select_from(table).where(*mine))).scalar_one()
    return [], int(total)


async def member_purchases(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[PurchaseRow], int]:
    """One page of the member's purchases, the newest first, and how many there are."""
    mine = (PurchaseRow.studio_id == studio_id, PurchaseRow.member_id == member_id)
    query = select(PurchaseRow).where(*mine).order_by(PurchaseRow.purchased_on.desc(), PurchaseRow.id)
    rows, total = await _page(session, query, mine, PurchaseRow, limit, offset)
    return [row[0] for row in rows], total


async def member_payments(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[tuple[PaymentRow, date | None]], int]:
    """One page of the member's payments with the collection date of their payment run (None for one paid through
    Stripe), the latest collection first, and how many there are."""
    mine = (PaymentRow.studio_id == studio_id, PaymentRow.member_id == member_id)
    query = (
        select(PaymentRow, PaymentRunRow.collection_date)
        .outerjoin(PaymentRunRow, PaymentRunRow.id == PaymentRow.payment_run_id)
        .where(*mine)
        .order_by(PaymentRunRow.collection_date.desc().nulls_last(), PaymentRow.id)
    )
    rows, total = await _page(session, query, mine, PaymentRow, limit, offset)
    return [(row[0], row[1]) for row in rows], total
