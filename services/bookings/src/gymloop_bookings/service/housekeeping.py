"""Background work: record attendance of sessions that ended, expire the credits of lapsed packs and remind members
of packs about to expire with credits left."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from gymloop_kit.errors import AppError
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import run_periodically
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import EntitlementRow, SessionRow
from gymloop_bookings.db.repository import BookingStore
from gymloop_bookings.service.booking_cases import record_attendance
from gymloop_bookings.service.pack_reminders import remind_expiring_packs

if TYPE_CHECKING:
    from gymloop_kit.app import ServiceRuntime

log = get_logger(__name__)


async def due_sessions(db: AsyncSession, now: datetime, limit: int = 200) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rows = await db.execute(
        select(SessionRow.studio_id, SessionRow.id)
        .where(SessionRow.status == "scheduled", SessionRow.ends_at <= now)
        .order_by(SessionRow.ends_at)
        .limit(limit)
    )
    return [(row.studio_id, row.id) for row in rows]


async def lapsed_members(db: AsyncSession, today: date, limit: int = 500) -> list[tuple[uuid.UUID, uuid.UUID]]:
    # `today` is UTC-based here; the domain re-checks with the studio's own local date.
    rows = await db.execute(
        select(EntitlementRow.studio_id, EntitlementRow.member_id)
        .where(
            EntitlementRow.kind == "pack",
            EntitlementRow.credits_left > 0,
            or_(EntitlementRow.valid_until < today, EntitlementRow.ended_on <= today),
        )
        .distinct()
        .limit(limit)
    )
    return [(row.studio_id, row.member_id) for row in rows]


async def run_once(runtime: ServiceRuntime, now: datetime | None = None) -> tuple[int, int]:
    """One pass; each session and each member in its own transaction. Returns (sessions ended, members)."""
    now = now or datetime.now(UTC)
    database = runtime.database
    async with database.transaction() as db:
        sessions = await due_sessions(db, now)
        members = await lapsed_members(db, now.date())
    ended = 0
    for studio_id, session_id in sessions:
        try:
            async with database.transaction() as db:
                await record_attendance(db, studio_id, session_id, now)
            ended += 1
        except AppError as error:  # ended or cancelled meanwhile by staff
            log.info("session_end_skipped", session_id=str(session_id), code=error.code)
    for studio_id, member_id in members:
        async with database.transaction() as db:
            await expire_lapsed_packs(db, studio_id, member_id, now)
    return ended, len(members)


async def expire_lapsed_packs(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> None:
    """Under the member's lock: the unused credits of the member's lapsed packs expire."""
    store = BookingStore(db)
    account = await store.account(studio_id, member_id, now)
    policy = await store.policy(studio_id)
    account.expire_lapsed(policy.today(now), now)
    await store.save()


async def housekeeping(runtime: ServiceRuntime) -> None:
    """Background job: attendance of ended sessions, lapsed packs and pack reminders, every
    `housekeeping_interval_s`."""
    interval = float(getattr(runtime.settings, "housekeeping_interval_s", 30.0))

    async def one_pass() -> None:
        now = datetime.now(UTC)
        await run_once(runtime, now)
        await remind_expiring_packs(runtime.database, now)

    await run_periodically("housekeeping", one_pass, interval_s=interval)
