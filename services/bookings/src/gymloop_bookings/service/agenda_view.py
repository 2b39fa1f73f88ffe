"""The agenda with its contents: each session's name, coach, occupancy, waitlist and resolved description."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gymloop_kit.db import AnySelect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BookingRow, DayDescriptionRow, MemberRow, WaitlistEntryRow
from gymloop_bookings.db.repository import load_policy
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.descriptions import describe_session
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.domain.waitlist import WaitlistStatus
from gymloop_bookings.service import views
from gymloop_bookings.service.views import full_name

# The people on a session's list: booked before it, attended after it (seed 002: the list is what counts).
_ON_THE_LIST = (BookingStatus.ACTIVE.value, BookingStatus.ATTENDED.value)


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    session: Session
    name: str | None  # the session type's name
    coach_name: str | None
    booked: int
    waiting: int
    description: str | None


@dataclass(frozen=True, slots=True)
class AgendaDayEntries:
    day: date
    sessions: list[AgendaEntry]


async def agenda_contents(
    db: AsyncSession,
    studio_id: uuid.UUID,
    first_day: date,
    days: int,
    location_id: uuid.UUID | None,
    coach_id: uuid.UUID | None,
) -> list[AgendaDayEntries]:
    """The agenda's days, each session with what a schedule screen shows; a handful of queries for any range."""
    agenda = await views.agenda(db, studio_id, first_day, days, location_id, coach_id)
    sessions = [s for d in agenda for s in d.sessions]
    ids = [s.session_id for s in sessions]
    policy = await load_policy(db, studio_id)
    types = await views.session_types(db, studio_id)
    day_rows = (
        await db.execute(
            select(DayDescriptionRow).where(
                DayDescriptionRow.studio_id == studio_id,
                DayDescriptionRow.day >= first_day - timedelta(days=1),  # a session's local day, whatever the zone
                DayDescriptionRow.day <= first_day + timedelta(days=days),
            )
        )
    ).scalars()
    day_descriptions = {(r.session_type_id, r.day): r.description for r in day_rows}
    booked = await _count_per_session(
        db,
        select(BookingRow.session_id, func.count()).where(
            BookingRow.studio_id == studio_id, BookingRow.session_id.in_(ids), BookingRow.status.in_(_ON_THE_LIST)
        ),
        BookingRow.session_id,
    )
    waiting = await _count_per_session(
        db,
        select(WaitlistEntryRow.session_id, func.count()).where(
            WaitlistEntryRow.studio_id == studio_id,
            WaitlistEntryRow.session_id.in_(ids),
            WaitlistEntryRow.status == WaitlistStatus.WAITING.value,
        ),
        WaitlistEntryRow.session_id,
    )
    coach_ids = {s.coach_id for s in sessions if s.coach_id is not None}
    coaches = {
        m.member_id: m
        for m in (
            await db.execute(
                select(MemberRow).where(MemberRow.studio_id == studio_id, MemberRow.member_id.in_(coach_ids))
            )
        ).scalars()
    }

    def entry(session: Session) -> AgendaEntry:
        session_type = types.get(session.session_type_id)
        return AgendaEntry(
            session=session,
            name=session_type.name if session_type else None,
            coach_name=full_name(coaches.get(session.coach_id)) if session.coach_id else None,
            booked=booked.get(session.session_id, 0),
            waiting=waiting.get(session.session_id, 0),
            description=(
                describe_session(session, session_type, day_descriptions, policy)
                if session_type
                else session.description
            ),
        )

    return [AgendaDayEntries(day=d.day, sessions=[entry(s) for s in d.sessions]) for d in agenda]


async def _count_per_session(db: AsyncSession, query: AnySelect, key: Any) -> dict[uuid.UUID, int]:
    rows = (await db.execute(query.group_by(key))).all()
    return {session_id: count for session_id, count in rows}
