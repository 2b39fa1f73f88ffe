"""A member's billing at a glance: subscriptions with their plan's name, purchases and payments, newest first."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PaymentRow, PaymentRunRow, PlanRow, PurchaseRow


async def plan_names(
    session: AsyncSession, studio_id: uuid.UUID, plan_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(plan_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(PlanRow.id, PlanRow.name).where(PlanRow.studio_id == studio_id, PlanRow.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


async def member_purchases(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[PurchaseRow], int]:
    """One page of the member's purchases, the newest first, and how many there are."""
    mine = (PurchaseRow.studio_id == studio_id, PurchaseRow.member_id == member_id)
    total = (await session.execute(select(func.count()).select_from(PurchaseRow).where(*mine))).scalar_one()
    page = await session.execute(
        select(PurchaseRow)
        .where(*mine)
        .order_by(PurchaseRow.purchased_on.desc(), PurchaseRow.id)
        .limit(limit)
        .offset(offset)
    )
    return list(page.scalars()), int(total)


async def member_payments(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[tuple[PaymentRow, date | None]], int]:
    """One page of the member's payments with the collection date of their payment run (None for one paid through
    Stripe), the latest collection first, and how many there are."""
    mine = (PaymentRow.studio_id == studio_id, PaymentRow.member_id == member_id)
    total = (await session.execute(select(func.count()).select_from(PaymentRow).where(*mine))).scalar_one()
    page = await session.execute(
        select(PaymentRow, PaymentRunRow.collection_date)
        .outerjoin(PaymentRunRow, PaymentRunRow.id == PaymentRow.payment_run_id)
        .where(*mine)
        .order_by(PaymentRunRow.collection_date.desc().nulls_last(), PaymentRow.id)
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in page.all()], int(total)
