"""Read-side use cases: session details, agenda, a member's account, log, bookings and calendar, reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from gymloop_kit.db import table_of
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.mapping import entitlement_from_row, entry_from_row, session_from_row
from gymloop_bookings.db.models import (
    BookingRow,
    DayDescriptionRow,
    EntitlementRow,
    LocationRow,
    MemberRow,
    SessionRow,
    SessionTypeRow,
    UserLogRow,
    WaitlistEntryRow,
)
from gymloop_bookings.db.repository import BookingStore, load_policy, load_studio_name
from gymloop_bookings.domain.actors import ActorRole
from gymloop_bookings.domain.agenda import AgendaDay, agenda_days
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.descriptions import describe_session
from gymloop_bookings.domain.entitlements import Entitlement
from gymloop_bookings.domain.ical_feed import member_calendar
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.reports import Dimension, OccupancyRow, SessionRecord, occupancy_by, session_record
from gymloop_bookings.domain.schedules import Location, SessionType
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.domain.waitlist import WaitlistStatus, place_in_line
from gymloop_bookings.service.outcomes import not_found


def _local_range_utc(policy: BookingPolicy, first_day: date, days: int) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day, time(0), tzinfo=policy.zone).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=policy.zone).astimezone(UTC)
    return start, end


async def _sessions_between(
    db: AsyncSession,
    studio_id: uuid.UUID,
    start: datetime,
    end: datetime,
    location_id: uuid.UUID | None = None,
    coach_id: uuid.UUID | None = None,
) -> list[SessionRow]:
    query = select(SessionRow).where(
        SessionRow.studio_id == studio_id, SessionRow.starts_at >= start, SessionRow.starts_at < end
    )
    if location_id is not None:
        query = query.where(SessionRow.location_id == location_id)
    if coach_id is not None:
        query = query.where(SessionRow.coach_id == coach_id)
    return list((await db.execute(query.order_by(SessionRow.starts_at))).scalars())


async def session_types(db: AsyncSession, studio_id: uuid.UUID) -> dict[uuid.UUID, SessionType]:
    rows = (await db.execute(select(SessionTypeRow).where(SessionTypeRow.studio_id == studio_id))).scalars()
    return {r.id: SessionType(r.id, r.studio_id, r.name, r.description) for r in rows}


async def locations(db: AsyncSession, studio_id: uuid.UUID) -> dict[uuid.UUID, Location]:
    rows = (await db.execute(select(LocationRow).where(LocationRow.studio_id == studio_id))).scalars()
    return {r.id: Location(r.id, r.studio_id, r.name, r.description) for r in rows}


async def describe(db: AsyncSession, studio_id: uuid.UUID, session: Session, policy: BookingPolicy) -> str | None:
    session_type = (await session_types(db, studio_id)).get(session.session_type_id)
    if session_type is None:
        return session.description
    day = policy.local_date(session.starts_at)
    daily = await db.get(DayDescriptionRow, (studio_id, session.session_type_id, day))
    day_descriptions = {(session.session_type_id, day): daily.description} if daily else {}
    return describe_session(session, session_type, day_descriptions, policy)


async def session_detail(db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
    store = BookingStore(db)
    roster = await store.roster(studio_id, session_id, lock=False)
    if roster is None:
        raise not_found("session", "session_id")
    policy = await store.policy(studio_id)
    session = roster.session
    return {
        "session": session,
        "description": await describe(db, studio_id, session, policy),
        "booked": len(roster.active_bookings),
        "free_places": roster.free_places,
        "waiting": len(roster.waiting),
    }


async def agenda(
    db: AsyncSession,
    studio_id: uuid.UUID,
    first_day: date,
    days: int,
    location_id: uuid.UUID | None,
    coach_id: uuid.UUID | None = None,
) -> list[AgendaDay]:
    policy = await load_policy(db, studio_id)
    start, end = _local_range_utc(policy, first_day, days)
    rows = await _sessions_between(db, studio_id, start, end, location_id, coach_id)
    return agenda_days([session_from_row(r) for r in rows], policy.time_zone, first_day, days, location_id)


async def member_entitlements(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> tuple[list[Entitlement], int]:
    """The member's entitlements, and the credits left on the packs that have not lapsed today."""
    policy = await load_policy(db, studio_id)
    today = policy.today(now)
    rows = (
        await db.execute(
            select(EntitlementRow).where(EntitlementRow.studio_id == studio_id, EntitlementRow.member_id == member_id)
        )
    ).scalars()
    entitlements = [entitlement_from_row(r) for r in rows]
    return entitlements, sum(e.credits.left for e in entitlements if e.is_pack and not e.lapsed_on(today))


async def member_account(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    entitlements, credits_left = await member_entitlements(db, studio_id, member_id, now)
    active = (
        await db.execute(
            select(BookingRow).where(
                BookingRow.studio_id == studio_id,
                BookingRow.member_id == member_id,
                BookingRow.status == BookingStatus.ACTIVE.value,
                BookingRow.session_starts_at > now,
            )
        )
    ).scalars()
    return {
        "member_id": member_id,
        "credits_left": credits_left,
        "active_sign_ups": len(list(active)),
        "entitlements": entitlements,
    }


def full_name(member: MemberRow | None) -> str | None:
    """A person's display name as followed from members (None until members told)."""
    if member is None:
        return None
    return " ".join(part for part in (member.first_name, member.last_name) if part) or None


async def member_log(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[UserLogRow, str | None]], int]:
    """The member's log entries, oldest first, each with the display name of who made the change (members act
    under their member id, staff under their account id; automatic changes have no name)."""
    query = (
        select(UserLogRow)
        .where(UserLogRow.studio_id == studio_id, UserLogRow.member_id == member_id)
        .order_by(UserLogRow.seq)
    )
    rows, total = await fetch_page(db, query, page)
    member_actors = {r.actor_id for r in rows if r.actor_role == ActorRole.MEMBER.value}
    staff_actors = {r.actor_id for r in rows if r.actor_role in (ActorRole.EMPLOYEE.value, ActorRole.ADMIN.value)}
    people = await db.scalars(
        select(MemberRow).where(
            MemberRow.studio_id == studio_id,
            MemberRow.member_id.in_(member_actors) | MemberRow.account_id.in_(staff_actors),
        )
    )
    by_member: dict[uuid.UUID, str | None] = {}
    by_account: dict[uuid.UUID, str | None] = {}
    for person in people:
        by_member[person.member_id] = full_name(person)
        if person.account_id is not None:
            by_account[person.account_id] = full_name(person)
    names = {ActorRole.MEMBER.value: by_member, ActorRole.EMPLOYEE.value: by_account, ActorRole.ADMIN.value: by_account}
    return [(r, names.get(r.actor_role, {}).get(r.actor_id)) for r in rows], total


def _member_bookings_query(studio_id: uuid.UUID, member_id: uuid.UUID) -> Select[BookingRow]:
    return (
        select(BookingRow)
        .where(BookingRow.studio_id == studio_id, BookingRow.member_id == member_id)
        .order_by(BookingRow.session_starts_at, BookingRow.id)
    )


async def member_bookings(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> list[BookingRow]:
    return list((await db.execute(_member_bookings_query(studio_id, member_id))).scalars())


async def member_bookings_page(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[BookingRow], int]:
    return await fetch_page(db, _member_bookings_query(studio_id, member_id), page)


async def member_waitlist(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> list[dict[str, Any]]:
    """The sessions the member waits for, each with their live place in line (1 = next to move in)."""
    waiting = WaitlistEntryRow.status == WaitlistStatus.WAITING.value
    mine = select(WaitlistEntryRow.session_id).where(
        WaitlistEntryRow.studio_id == studio_id, WaitlistEntryRow.member_id == member_id, waiting
    )
    # Everyone waiting for those sessions: the place depends on who else is still in line.
    rows = (
        await db.execute(
            select(table_of(WaitlistEntryRow)).where(
                WaitlistEntryRow.studio_id == studio_id, WaitlistEntryRow.session_id.in_(mine), waiting
            )
        )
    ).all()
    if not rows:
        return []
    per_session: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        per_session.setdefault(row.session_id, []).append(entry_from_row(row))
    session_starts = await db.execute(
        select(SessionRow.id, SessionRow.starts_at).where(
            SessionRow.studio_id == studio_id, SessionRow.id.in_(per_session)
        )
    )
    starts: dict[uuid.UUID, datetime] = {row.id: row.starts_at for row in session_starts}
    places = []
    for session_id, entries in per_session.items():
        entry = next(e for e in entries if e.member_id == member_id)
        places.append(
            {
                "session_id": session_id,
                "session_starts_at": starts[session_id],
                "joined_at": entry.joined_at,
                "position": place_in_line(entries, member_id),
            }
        )
    return sorted(places, key=lambda p: p["session_starts_at"])


async def studio_settings(db: AsyncSession, studio_id: uuid.UUID) -> tuple[str, BookingPolicy]:
    """The studio's name (from members), and its policy (defaults until the admins set one)."""
    return await load_studio_name(db, studio_id), await load_policy(db, studio_id)


async def member_ical(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> bytes:
    store = BookingStore(db)
    rows = await member_bookings(db, studio_id, member_id)
    bookings = [store.booking(r) for r in rows]
    session_rows = (
        await db.execute(select(SessionRow).where(SessionRow.id.in_({b.session_id for b in bookings})))
    ).scalars()
    sessions = {r.id: session_from_row(r) for r in session_rows if r.studio_id == studio_id}
    return member_calendar(
        await load_studio_name(db, studio_id),
        bookings,
        sessions,
        await session_types(db, studio_id),
        await locations(db, studio_id),
        now,
    )


async def attendance_list(db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID) -> list[dict[str, Any]]:
    roster = await BookingStore(db).roster(studio_id, session_id, lock=False)
    if roster is None:
        raise not_found("session", "session_id")
    listed = roster.attendance_list()
    members = (
        await db.execute(
            select(MemberRow).where(
                MemberRow.studio_id == studio_id, MemberRow.member_id.in_([b.member_id for b in listed])
            )
        )
    ).scalars()
    by_id = {m.member_id: m for m in members}
    result = []
    for booking in listed:
        member = by_id.get(booking.member_id)
        name = " ".join(p for p in (member.first_name, member.last_name) if p) if member else ""
        result.append({"booking": booking, "name": name, "tags": list(member.tags) if member else []})
    return result


async def session_waitlist(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Who waits for the session, in line order (the order `in_line` moves them in), a page at a time, each with
    their place (1 = next to move in) and name."""
    known = await db.scalar(select(SessionRow.id).where(SessionRow.studio_id == studio_id, SessionRow.id == session_id))
    if known is None:
        raise not_found("session", "session_id")
    query = (
        select(WaitlistEntryRow, MemberRow.first_name, MemberRow.last_name)
        .outerjoin(
            MemberRow,
            (MemberRow.studio_id == WaitlistEntryRow.studio_id) & (MemberRow.member_id == WaitlistEntryRow.member_id),
        )
        .where(
            WaitlistEntryRow.studio_id == studio_id,
            WaitlistEntryRow.session_id == session_id,
            WaitlistEntryRow.status == WaitlistStatus.WAITING.value,
        )
        .order_by(WaitlistEntryRow.joined_at, WaitlistEntryRow.position, WaitlistEntryRow.id)
    )
    rows, total = await fetch_page(db, query, page)
    waiting = [
        {
            "member_id": row.WaitlistEntryRow.member_id,
            "name": " ".join(part for part in (row.first_name, row.last_name) if part),
            "joined_at": row.WaitlistEntryRow.joined_at,
            "position": page.offset + place,
        }
        for place, row in enumerate(rows, start=1)
    ]
    return waiting, total


async def session_records(db: AsyncSession, studio_id: uuid.UUID, first_day: date, days: int) -> list[SessionRecord]:
    policy = await load_policy(db, studio_id)
    start, end = _local_range_utc(policy, first_day, days)
    store = BookingStore(db)
    records = []
    for row in await _sessions_between(db, studio_id, start, end):
        roster = await store.roster(studio_id, row.id, lock=False)
        assert roster is not None
        records.append(session_record(roster, policy))
    return records


def occupancy(records: list[SessionRecord], dimension: Dimension) -> list[OccupancyRow]:
    return occupancy_by(records, dimension)
