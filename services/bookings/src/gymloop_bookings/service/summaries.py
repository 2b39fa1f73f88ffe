"""Attendance summaries of many members at once (dashboards, reports): a few queries for a whole page."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from gymloop_kit.id_pages import id_page
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.mapping import entitlement_from_row
from gymloop_bookings.db.models import BookingRow, EntitlementRow, MemberRow
from gymloop_bookings.db.repository import load_policy
from gymloop_bookings.domain.attendance_summary import AttendanceSummary, BookingFact, history_start, summarize
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.entitlements import Entitlement


async def summary_page(
    db: AsyncSession,
    studio_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    period_days: int,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[AttendanceSummary], int]:
    """The summaries of the given members, or of every member bookings knows in the studio, ordered by id."""
    page_ids, total = await id_page(
        db, MemberRow.member_id, MemberRow.studio_id == studio_id, member_ids, limit, offset
    )
    if not page_ids:
        return [], total
    today = (await load_policy(db, studio_id)).today(now)
    of_page = (BookingRow.studio_id == studio_id, BookingRow.member_id.in_(page_ids))
    facts: dict[uuid.UUID, list[BookingFact]] = defaultdict(list)
    rows = await db.execute(
        select(BookingRow.member_id, BookingRow.session_local_date, BookingRow.status, BookingRow.no_show).where(
            *of_page, BookingRow.session_local_date >= history_start(today, period_days)
        )
    )
    for member_id, local_date, status, no_show in rows:
        facts[member_id].append(BookingFact(local_date, BookingStatus(status), no_show))
    visited = (BookingRow.status == BookingStatus.ATTENDED.value, BookingRow.no_show.is_(False))
    last_visits: dict[uuid.UUID, date] = dict(
        (
            await db.execute(
                select(BookingRow.member_id, func.max(BookingRow.session_local_date))
                .where(*of_page, *visited)
                .group_by(BookingRow.member_id)
            )
        ).all()
    )
    entitlements: dict[uuid.UUID, list[Entitlement]] = defaultdict(list)
    for row in (
        await db.execute(
            select(EntitlementRow).where(EntitlementRow.studio_id == studio_id, EntitlementRow.member_id.in_(page_ids))
        )
    ).scalars():
        entitlements[row.member_id].append(entitlement_from_row(row))
    summaries = [
        summarize(m, facts[m], entitlements[m], today, period_days, last_visit=last_visits.get(m)) for m in page_ids
    ]
    return summaries, total
