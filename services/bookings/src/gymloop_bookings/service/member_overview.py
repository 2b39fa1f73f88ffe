"""Read side of a member's overview: visit statistics, past sessions (paged), upcoming bookings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BookingRow, LocationRow, SessionRow, SessionTypeRow
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.member_statistics import (
    RECENT_WEEKS,
    VisitCounts,
    VisitStatistics,
    visit_statistics,
    window_start,
)


async def member_statistics(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> tuple[VisitStatistics, int]:
    """The visit statistics and how many of the member's sessions have started (the history's total), in one
    aggregate over the member's bookings (on the index of studio, member and start)."""
    attended = BookingRow.status == BookingStatus.ATTENDED.value
    visited = and_(attended, not_(BookingRow.no_show))
    windows = [
        func.count().filter(
            visited, BookingRow.session_starts_at >= window_start(now, weeks), BookingRow.session_starts_at < now
        )
        for weeks in RECENT_WEEKS
    ]
    row = (
        await db.execute(
            select(
                func.count().filter(visited),
                func.count().filter(attended, BookingRow.no_show),
                func.count().filter(BookingRow.status == BookingStatus.LATE_CANCELLED.value),
                func.max(BookingRow.session_starts_at).filter(visited),
                func.count().filter(BookingRow.session_starts_at <= now),
                *windows,
            ).where(BookingRow.studio_id == studio_id, BookingRow.member_id == member_id)
        )
    ).one()
    counts = VisitCounts(
        attended=row[0], no_shows=row[1], late_cancels=row[2], last_visit=row[3],
        attended_in_window=dict(zip(RECENT_WEEKS, row[5:], strict=True)),
    )  # fmt: skip
    return visit_statistics(counts), int(row[4])


def _with_session(query: Any) -> Any:
    return (
        query.join(SessionRow, SessionRow.id == BookingRow.session_id)
        .join(SessionTypeRow, SessionTypeRow.id == SessionRow.session_type_id)
        .join(LocationRow, LocationRow.id == SessionRow.location_id)
    )


BOOKING_WITH_SESSION = (
    BookingRow,
    SessionTypeRow.name.label("session_name"),
    LocationRow.name.label("location_name"),
    SessionRow.coach_id,
)


async def session_history(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime, *, limit: int, offset: int
) -> list[Any]:
    """One page of the member's bookings of sessions that have started, the latest first (the total comes with
    `member_statistics`)."""
    past = (BookingRow.studio_id == studio_id, BookingRow.member_id == member_id, BookingRow.session_starts_at <= now)
    query = _with_session(select(*BOOKING_WITH_SESSION)).where(*past)
    page = await db.execute(
        query.order_by(BookingRow.session_starts_at.desc(), BookingRow.id).limit(limit).offset(offset)
    )
    return list(page.all())


async def upcoming_bookings(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> list[Any]:
    """The member's active sign-ups for sessions still to come, the soonest first."""
    query = _with_session(select(*BOOKING_WITH_SESSION)).where(
        BookingRow.studio_id == studio_id,
        BookingRow.member_id == member_id,
        BookingRow.status == BookingStatus.ACTIVE.value,
        BookingRow.session_starts_at > now,
    )
    return list((await db.execute(query.order_by(BookingRow.session_starts_at))).all())
