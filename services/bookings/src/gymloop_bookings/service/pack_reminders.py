"""The housekeeping's reminder of packs about to expire with credits left: PackExpiringSoon, from which
notifications tells the member. Each pack in its own transaction, under its row lock, once per end date."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gymloop_contracts.events.bookings import PackExpiringSoon
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import EntitlementRow
from gymloop_bookings.domain.pack_reminders import REMIND_DAYS_BEFORE, reminder_due


async def packs_to_remind(db: AsyncSession, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    # UTC days with a day's margin either side; each pack is decided with its studio's own today
    utc_today = now.date()
    rows = await db.execute(
        select(EntitlementRow.subscription_id)
        .where(
            EntitlementRow.kind == "pack",
            EntitlementRow.credits_left > 0,
            EntitlementRow.ended_on.is_(None),
            EntitlementRow.valid_until.between(
                utc_today - timedelta(days=1), utc_today + timedelta(days=REMIND_DAYS_BEFORE + 1)
            ),
            or_(
                EntitlementRow.expiry_reminded_for.is_(None),
                EntitlementRow.expiry_reminded_for != EntitlementRow.valid_until,
            ),
        )
        .limit(limit)
    )
    return list(rows.scalars())


async def remind(db: AsyncSession, subscription_id: uuid.UUID, now: datetime) -> bool:
    row = (
        await db.execute(
            select(EntitlementRow).where(EntitlementRow.subscription_id == subscription_id).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    today = await studio_clock.today(db, row.studio_id, now)
    due = reminder_due(
        kind=row.kind, valid_until=row.valid_until, ended_on=row.ended_on, credits_left=row.credits_left,
        reminded_for=row.expiry_reminded_for, today=today,
    )  # fmt: skip
    if not due or row.valid_until is None:
        return False
    row.expiry_reminded_for = row.valid_until
    await add_event(
        db,
        PackExpiringSoon(
            subscription_id=row.subscription_id,
            member_id=row.member_id,
            valid_until=row.valid_until,
            credits_left=row.credits_left,
        ),
        studio_id=row.studio_id,
    )
    return True


async def remind_expiring_packs(database: Database, now: datetime) -> int:
    """One pass: how many members were reminded."""
    async with database.transaction() as db:
        candidates = await packs_to_remind(db, now)
    reminded = 0
    for subscription_id in candidates:
        async with database.transaction() as db:
            reminded += await remind(db, subscription_id, now)
    return reminded
