"""Loading aggregates from rows and writing them back, with one identity map per transaction.

A booking appears both in its session's roster and in its member's account; the store hands out one
Booking object per row so a change made through either is seen by both (as the pure model assumes).
Lock order, everywhere: the session row first, then member rows in member_id order. A sign-up locks one
session and one member, so concurrent requests queue instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from gymloop_kit import studio_clock
from sqlalchemy import Uuid, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import (
    BookingRow,
    EntitlementRow,
    MemberRow,
    SessionRow,
    StudioNameRow,
    StudioSettingsRow,
    UserLogRow,
    WaitlistEntryRow,
)
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.credits import CreditBuckets
from gymloop_bookings.domain.entitlements import DatePeriod, Entitlement, EntitlementKind
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import Session, SessionStatus
from gymloop_bookings.domain.waitlist import WaitlistEntry, WaitlistStatus

DEFAULT_STUDIO_NAME = "Gymloop studio"  # until members' StudioUpdated tells this studio's name


def policy_from_row(row: StudioSettingsRow | None, time_zone: str | None = None) -> BookingPolicy:
    """The admins' policy in the studio's zone (`time_zone` as stored by the kit's studio clock; None: not known,
    the clock's default)."""
    zone = studio_clock.effective_zone(time_zone).key
    if row is None:
        return BookingPolicy(time_zone=zone)
    return BookingPolicy(
        time_zone=zone,
        booking_window=timedelta(minutes=row.booking_window_min),
        cancellation_cutoff=timedelta(minutes=row.cancellation_cutoff_min),
        late_cancel_forfeits=row.late_cancel_forfeits,
        waitlist_enabled=row.waitlist_enabled,
        waitlist_cutoff=timedelta(minutes=row.waitlist_cutoff_min),
        uses_check_in=row.uses_check_in,
        staff_may_book_beyond_window=row.staff_may_book_beyond_window,
    )


async def load_policy(db: AsyncSession, studio_id: uuid.UUID) -> BookingPolicy:
    """The admins' policy and members' time zone in one round trip; either may be missing (defaults)."""
    studio = select(literal(studio_id, Uuid).label("studio_id")).subquery()
    statement = (
        select(StudioSettingsRow, studio_clock.studio_zone.c.time_zone)
        .select_from(studio)
        .outerjoin(StudioSettingsRow, StudioSettingsRow.studio_id == studio.c.studio_id)
        .outerjoin(studio_clock.studio_zone, studio_clock.studio_zone.c.studio_id == studio.c.studio_id)
    )
    settings, time_zone = (await db.execute(statement)).one()
    return policy_from_row(settings, time_zone)


async def load_studio_name(db: AsyncSession, studio_id: uuid.UUID) -> str:
    name = await db.scalar(select(StudioNameRow.name).where(StudioNameRow.studio_id == studio_id))
    return name or DEFAULT_STUDIO_NAME


async def save_studio_name(db: AsyncSession, studio_id: uuid.UUID, name: str) -> None:
    """Members' name of the studio (from StudioUpdated; its zone is the kit's studio clock's)."""
    statement = pg_insert(StudioNameRow).values(studio_id=studio_id, name=name)
    await db.execute(statement.on_conflict_do_update(index_elements=[StudioNameRow.studio_id], set_={"name": name}))


def session_from_row(row: Any) -> Session:
    return Session(
        session_id=row.id,
        studio_id=row.studio_id,
        location_id=row.location_id,
        session_type_id=row.session_type_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        coach_id=row.coach_id,
        description=row.description,
        slot_id=row.slot_id,
        status=SessionStatus(row.status),
    )


def session_values(session: Session) -> dict[str, Any]:
    return {
        "id": session.session_id,
        "studio_id": session.studio_id,
        "location_id": session.location_id,
        "session_type_id": session.session_type_id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "coach_id": session.coach_id,
        "description": session.description,
        "slot_id": session.slot_id,
        "status": session.status.value,
    }


def _actor(actor_id: uuid.UUID | None, role: str | None) -> Actor | None:
    if actor_id is None or role is None:
        return None
    return Actor(actor_id, ActorRole(role))


def _booking_from_row(row: Any) -> Booking:
    booked_by = _actor(row.booked_by_id, row.booked_by_role)
    assert booked_by is not None
    return Booking(
        booking_id=row.id,
        studio_id=row.studio_id,
        session_id=row.session_id,
        member_id=row.member_id,
        subscription_id=row.subscription_id,
        charged_credit=row.charged_credit,
        session_starts_at=row.session_starts_at,
        session_ends_at=row.session_ends_at,
        session_local_date=row.session_local_date,
        booked_at=row.booked_at,
        booked_by=booked_by,
        status=BookingStatus(row.status),
        cancelled_at=row.cancelled_at,
        cancelled_by=_actor(row.cancelled_by_id, row.cancelled_by_role),
        checked_in_at=row.checked_in_at,
        marked_present=row.marked_present,
        no_show=row.no_show,
    )


def _booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.booking_id,
        "studio_id": booking.studio_id,
        "session_id": booking.session_id,
        "member_id": booking.member_id,
        "subscription_id": booking.subscription_id,
        "charged_credit": booking.charged_credit,
        "session_starts_at": booking.session_starts_at,
        "session_ends_at": booking.session_ends_at,
        "session_local_date": booking.session_local_date,
        "booked_at": booking.booked_at,
        "booked_by_id": booking.booked_by.actor_id,
        "booked_by_role": booking.booked_by.role.value,
        "status": booking.status.value,
        "cancelled_at": booking.cancelled_at,
        "cancelled_by_id": booking.cancelled_by.actor_id if booking.cancelled_by else None,
        "cancelled_by_role": booking.cancelled_by.role.value if booking.cancelled_by else None,
        "checked_in_at": booking.checked_in_at,
        "marked_present": booking.marked_present,
        "no_show": booking.no_show,
    }


def _entry_from_row(row: Any) -> WaitlistEntry:
    added_by = _actor(row.added_by_id, row.added_by_role)
    assert added_by is not None
    return WaitlistEntry(
        entry_id=row.id,
        session_id=row.session_id,
        member_id=row.member_id,
        joined_at=row.joined_at,
        position=row.position,
        added_by=added_by,
        status=WaitlistStatus(row.status),
        skip_code=row.skip_code,
        skip_reason=row.skip_reason,
        booking_id=row.booking_id,
        decided_at=row.decided_at,
    )


def entitlement_from_row(row: Any) -> Entitlement:
    return Entitlement(
        subscription_id=row.subscription_id,
        studio_id=row.studio_id,
        member_id=row.member_id,
        kind=EntitlementKind(row.kind),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        weekly_limit=row.weekly_limit,
        paused_periods=tuple(
            DatePeriod(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in row.paused_periods
        ),
        ended_on=row.ended_on,
        sequence=row.sequence,
        credits=CreditBuckets(
            granted=row.granted,
            left=row.credits_left,
            held=row.held,
            forfeited=row.forfeited,
            attended=row.attended,
            expired=row.expired,
        ),
    )


def entitlement_values(entitlement: Entitlement) -> dict[str, Any]:
    credits = entitlement.credits
    return {
        "subscription_id": entitlement.subscription_id,
        "studio_id": entitlement.studio_id,
        "member_id": entitlement.member_id,
        "kind": entitlement.kind.value,
        "valid_from": entitlement.valid_from,
        "valid_until": entitlement.valid_until,
        "weekly_limit": entitlement.weekly_limit,
        "paused_periods": [
            {"start": p.start.isoformat(), "end": p.end.isoformat()} for p in entitlement.paused_periods
        ],
        "ended_on": entitlement.ended_on,
        "sequence": entitlement.sequence,
        "granted": credits.granted,
        "credits_left": credits.left,
        "held": credits.held,
        "forfeited": credits.forfeited,
        "attended": credits.attended,
        "expired": credits.expired,
    }


_UPSERTS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Any] = {}


def _upsert_statement(table: Any, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE of the given columns, built once (building it is costly).

    Only the columns passed are updated, so columns owned by someone else (billing_state) stay untouched.
    """
    cache_key = (table.name, keys, columns)
    cached = _UPSERTS.get(cache_key)
    if cached is None:
        statement = pg_insert(table)
        updates = {name: statement.excluded[name] for name in columns if name not in keys}
        cached = _UPSERTS[cache_key] = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return cached


async def _upsert(db: AsyncSession, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    await db.execute(_upsert_statement(table, tuple(keys), tuple(values)), values)


class BookingStore:
    """The unit of work's view of the bookings tables for one transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self._bookings: dict[uuid.UUID, Booking] = {}
        self.rosters: dict[uuid.UUID, SessionRoster] = {}
        self.accounts: dict[uuid.UUID, MemberAccount] = {}
        # Values as loaded, so `save` writes only what the rules changed (or created).
        self._loaded: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}

    def _booking(self, row: Any) -> Booking:
        known = self._bookings.get(row.id)
        if known is None:
            known = self._bookings[row.id] = _booking_from_row(row)
            self._loaded[("booking", row.id)] = _booking_values(known)
        return known

    async def _write(self, kind: str, key: uuid.UUID, table: Any, values: dict[str, Any], keys: list[str]) -> None:
        if self._loaded.get((kind, key)) == values:
            return
        await _upsert(self.db, table, values, keys)
        self._loaded[(kind, key)] = values

    async def roster(self, studio_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = True) -> SessionRoster | None:
        """The session with its bookings and waitlist; None when absent or of another studio."""
        query = select(SessionRow.__table__).where(SessionRow.id == session_id, SessionRow.studio_id == studio_id)
        if lock:
            query = query.with_for_update()
        row = (await self.db.execute(query)).one_or_none()
        if row is None:
            return None
        bookings = (
            await self.db.execute(
                select(BookingRow.__table__)
                .where(BookingRow.session_id == session_id, BookingRow.studio_id == studio_id)
                .order_by(BookingRow.booked_at, BookingRow.id)
            )
        ).all()
        entries = (
            await self.db.execute(
                select(WaitlistEntryRow.__table__)
                .where(WaitlistEntryRow.session_id == session_id, WaitlistEntryRow.studio_id == studio_id)
                .order_by(WaitlistEntryRow.position)
            )
        ).all()
        roster = SessionRoster(
            session=session_from_row(row),
            bookings=[self._booking(b) for b in bookings],
            waitlist=[_entry_from_row(e) for e in entries],
        )
        self._loaded[("session", session_id)] = session_values(roster.session)
        for entry in roster.waitlist:
            self._loaded[("entry", entry.entry_id)] = _entry_values(roster, entry)
        self.rosters[session_id] = roster
        return roster

    async def lock_member(self, studio_id: uuid.UUID, member_id: uuid.UUID) -> None:
        await self.db.execute(
            pg_insert(MemberRow)
            .values(studio_id=studio_id, member_id=member_id, tags=[], archived=False)
            .on_conflict_do_nothing(index_elements=[MemberRow.studio_id, MemberRow.member_id])
        )
        await self.db.execute(
            select(MemberRow.member_id)
            .where(MemberRow.studio_id == studio_id, MemberRow.member_id == member_id)
            .with_for_update()
        )

    async def account(self, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> MemberAccount:
        """The member's entitlements and the bookings the rules need, under the member's row lock."""
        known = self.accounts.get(member_id)
        if known is not None:
            return known
        await self.lock_member(studio_id, member_id)
        entitlement_rows = (
            await self.db.execute(
                select(EntitlementRow.__table__).where(
                    EntitlementRow.studio_id == studio_id, EntitlementRow.member_id == member_id
                )
            )
        ).all()
        # Active bookings (overlaps, active sign-ups) and those of this week onward (weekly limits).
        booking_rows = (
            await self.db.execute(
                select(BookingRow.__table__).where(
                    BookingRow.studio_id == studio_id,
                    BookingRow.member_id == member_id,
                    or_(
                        BookingRow.status == BookingStatus.ACTIVE.value,
                        BookingRow.session_starts_at >= now - timedelta(days=8),
                    ),
                )
            )
        ).all()
        account = MemberAccount(
            studio_id=studio_id,
            member_id=member_id,
            entitlements={row.subscription_id: entitlement_from_row(row) for row in entitlement_rows},
            bookings=[self._booking(row) for row in booking_rows],
        )
        for entitlement in account.entitlements.values():
            self._loaded[("entitlement", entitlement.subscription_id)] = entitlement_values(entitlement)
        self.accounts[member_id] = account
        return account

    async def accounts_for(
        self, studio_id: uuid.UUID, member_ids: Iterable[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, MemberAccount]:
        ordered = sorted(set(member_ids), key=str)
        return {member_id: await self.account(studio_id, member_id, now) for member_id in ordered}

    async def add_session(self, session: Session) -> None:
        await _upsert(self.db, SessionRow.__table__, session_values(session), ["id"])

    async def save(self) -> None:
        """Write back everything loaded through this store (rows are upserted; log entries inserted)."""
        self.remember_new_bookings()
        for roster in self.rosters.values():
            await _upsert(self.db, SessionRow.__table__, session_values(roster.session), ["id"])
            for entry in roster.waitlist:
                await _upsert(self.db, WaitlistEntryRow.__table__, _entry_values(roster, entry), ["id"])
        # Sign-outs first so the partial unique index never sees two active rows for one member and session.
        ordered = sorted(self._bookings.values(), key=lambda b: b.status is BookingStatus.ACTIVE)
        for booking in ordered:
            await _upsert(self.db, BookingRow.__table__, _booking_values(booking), ["id"])
        for account in self.accounts.values():
            for entitlement in account.entitlements.values():
                await _upsert(self.db, EntitlementRow.__table__, entitlement_values(entitlement), ["subscription_id"])
            await write_log(self.db, account)

    def remember_new_bookings(self) -> None:
        for roster in self.rosters.values():
            for booking in roster.bookings:
                self._bookings.setdefault(booking.booking_id, booking)


async def write_log(db: AsyncSession, account: MemberAccount) -> None:
    for entry in account.log:
        db.add(
            UserLogRow(
                id=uuid.uuid4(),
                studio_id=entry.studio_id,
                member_id=entry.member_id,
                subscription_id=entry.subscription_id,
                at=entry.at,
                actor_id=entry.actor.actor_id,
                actor_role=entry.actor.role.value,
                reason=entry.reason.value,
                change=entry.change,
                available_after=entry.available_after,
                session_id=entry.session_id,
                booking_id=entry.booking_id,
            )
        )
    account.log.clear()
    await db.flush()


def _entry_values(roster: SessionRoster, entry: WaitlistEntry) -> dict[str, Any]:
    return {
        "id": entry.entry_id,
        "studio_id": roster.session.studio_id,
        "session_id": entry.session_id,
        "member_id": entry.member_id,
        "joined_at": entry.joined_at,
        "position": entry.position,
        "added_by_id": entry.added_by.actor_id,
        "added_by_role": entry.added_by.role.value,
        "status": entry.status.value,
        "skip_code": entry.skip_code,
        "skip_reason": entry.skip_reason,
        "booking_id": entry.booking_id,
        "decided_at": entry.decided_at,
    }
