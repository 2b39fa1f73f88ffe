"""The payment standing read model: who is overdue (per studio and member) and whether the studio lets overdue
members book, both as billing announces them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import MemberPaymentStandingRow, StudioOverdueRuleRow
from gymloop_bookings.domain.payment_standing import PAID_UP, PaymentStanding


async def load_payment_standing(db: AsyncSession, studio_id: uuid.UUID, *, overdue: bool) -> PaymentStanding:
    """The standing of a member whose overdue flag is known (it comes with the member's lock, see BookingStore):
    the studio's rule is read only for an overdue member."""
    if not overdue:
        return PAID_UP
    may_book = await db.scalar(
        select(StudioOverdueRuleRow.overdue_members_may_book).where(StudioOverdueRuleRow.studio_id == studio_id)
    )
    return PaymentStanding(overdue=True, overdue_members_may_book=bool(may_book))


async def blocked_by_payments(
    db: AsyncSession, studio_id: uuid.UUID, overdue_member_ids: list[uuid.UUID]
) -> frozenset[uuid.UUID]:
    """Which of these overdue members may not book (a waitlist promotion passes them over): all of them, unless
    the studio lets overdue members book. The rule is read only when someone is overdue."""
    if not overdue_member_ids:
        return frozenset()
    standing = await load_payment_standing(db, studio_id, overdue=True)
    return frozenset(overdue_member_ids) if standing.blocks_booking else frozenset()


async def save_member_overdue(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, overdue: bool) -> None:
    statement = pg_insert(MemberPaymentStandingRow).values(studio_id=studio_id, member_id=member_id, overdue=overdue)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[MemberPaymentStandingRow.studio_id, MemberPaymentStandingRow.member_id],
            set_={"overdue": overdue},
        )
    )


async def save_overdue_rule(db: AsyncSession, studio_id: uuid.UUID, overdue_members_may_book: bool) -> None:
    statement = pg_insert(StudioOverdueRuleRow).values(
        studio_id=studio_id, overdue_members_may_book=overdue_members_may_book
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[StudioOverdueRuleRow.studio_id],
            set_={"overdue_members_may_book": overdue_members_may_book},
        )
    )
