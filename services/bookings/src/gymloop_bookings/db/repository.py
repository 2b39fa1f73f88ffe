"""Loading aggregates from rows and writing back only what changed, with one identity map per transaction.

A booking appears both in its session's roster and in its member's account; the store hands out one
Booking object per row so a change made through either is seen by both (as the pure model assumes).
Lock order, everywhere: the session row first, then member rows in member_id order. A sign-up locks one
session and one member, so concurrent requests queue instead of deadlocking.
Writes: `save` compares each loaded row with what its aggregate maps to now (db/tracking.py) and writes new
rows and changed columns only. So a transaction never puts back a column it did not change: a check-in,
made under the session lock, survives a billing event handled at the same moment under the member lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from gymloop_kit import studio_clock
from gymloop_kit.db import AnySelect, table_of
from sqlalchemy import ColumnElement, Table, Uuid, and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.mapping import (
    booking_from_row,
    booking_values,
    entitlement_from_row,
    entitlement_values,
    entry_from_row,
    entry_values,
    log_values,
    session_from_row,
    session_values,
)
from gymloop_bookings.db.models import (
    BookingRow,
    EntitlementRow,
    MemberPaymentStandingRow,
    MemberRow,
    SessionRow,
    StudioNameRow,
    StudioSettingsRow,
    UserLogRow,
    WaitlistEntryRow,
)
from gymloop_bookings.db.tracking import ChangeTracker, RowWrite
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.domain.waitlist import WaitlistStatus

DEFAULT_STUDIO_NAME = "Gymloop studio"  # until members' StudioUpdated tells this studio's name


def policy_from_row(row: Any, time_zone: str | None = None) -> BookingPolicy:
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


# The policy's sources, joined onto any query that has the studio id (a locked session row, or a bare id).
_POLICY_COLUMNS = (
    StudioSettingsRow.booking_window_min,
    StudioSettingsRow.cancellation_cutoff_min,
    StudioSettingsRow.late_cancel_forfeits,
    StudioSettingsRow.waitlist_enabled,
    StudioSettingsRow.waitlist_cutoff_min,
    StudioSettingsRow.uses_check_in,
    StudioSettingsRow.staff_may_book_beyond_window,
    studio_clock.studio_zone.c.time_zone,
)


def with_policy(query: AnySelect, studio_id: ColumnElement[uuid.UUID]) -> AnySelect:
    """The query with the admins' policy and members' time zone as extra columns; either may be missing."""
    return (
        query.add_columns(*_POLICY_COLUMNS)
        .outerjoin(StudioSettingsRow, StudioSettingsRow.studio_id == studio_id)
        .outerjoin(studio_clock.studio_zone, studio_clock.studio_zone.c.studio_id == studio_id)
    )


def policy_in(row: Any) -> BookingPolicy:
    """The policy from a row of a `with_policy` query (the settings' columns are all NULL without a policy)."""
    return policy_from_row(row if row.booking_window_min is not None else None, row.time_zone)


async def load_policy(db: AsyncSession, studio_id: uuid.UUID) -> BookingPolicy:
    """The admins' policy and members' time zone in one round trip; either may be missing (defaults)."""
    studio = select(literal(studio_id, Uuid).label("studio_id")).subquery()
    return policy_in((await db.execute(with_policy(select(studio.c.studio_id), studio.c.studio_id))).one())


async def load_studio_name(db: AsyncSession, studio_id: uuid.UUID) -> str:
    name = await db.scalar(select(StudioNameRow.name).where(StudioNameRow.studio_id == studio_id))
    return name or DEFAULT_STUDIO_NAME


async def save_studio_name(db: AsyncSession, studio_id: uuid.UUID, name: str) -> None:
    """Members' name of the studio (from StudioUpdated; its zone is the kit's studio clock's)."""
    statement = pg_insert(StudioNameRow).values(studio_id=studio_id, name=name)
    await db.execute(statement.on_conflict_do_update(index_elements=[StudioNameRow.studio_id], set_={"name": name}))


# The member's bookings the account rules need besides the active ones: this week's and later (weekly limits).
_RECENT = timedelta(days=8)
# The tables `save` writes, with their keys. Within a table updates go before inserts, so a sign-out's status
# change reaches the partial unique index of active bookings before a new booking of that member and session.
_TABLES: dict[str, tuple[Table, str]] = {
    "session": (table_of(SessionRow), "id"),
    "waitlist_entry": (table_of(WaitlistEntryRow), "id"),
    "booking": (table_of(BookingRow), "id"),
    "entitlement": (table_of(EntitlementRow), "subscription_id"),
}
# One UPDATE per table, built once: the SET columns come from each row's parameters (the changed ones).
_UPDATES = {name: update(table).where(table.c[key] == bindparam("row_key")) for name, (table, key) in _TABLES.items()}


class BookingStore:
    """The unit of work's view of the bookings tables for one transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self._bookings: dict[uuid.UUID, Booking] = {}
        self.rosters: dict[uuid.UUID, SessionRoster] = {}
        self.accounts: dict[uuid.UUID, MemberAccount] = {}
        self._policies: dict[uuid.UUID, BookingPolicy] = {}
        self._archived: dict[uuid.UUID, bool] = {}  # the members locked so far, and whether they are archived
        self._overdue: dict[uuid.UUID, bool] = {}  # and whether billing reported them overdue
        self._tracker = ChangeTracker()

    # --- reading ------------------------------------------------------------------------------------

    def booking(self, row: Any) -> Booking:
        """The one Booking object of this row in this transaction."""
        known = self._bookings.get(row.id)
        if known is None:
            known = self._bookings[row.id] = booking_from_row(row)
            self._tracker.read("booking", row.id, booking_values(known))
        return known

    async def policy(self, studio_id: uuid.UUID) -> BookingPolicy:
        """The studio's policy; read along with a roster, so after one this costs no statement."""
        known = self._policies.get(studio_id)
        if known is None:
            known = self._policies[studio_id] = await load_policy(self.db, studio_id)
        return known

    async def roster(self, studio_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = True) -> SessionRoster | None:
        """The session with its bookings and waitlist; None when absent or of another studio."""
        row = await self._session_row(studio_id, session_id, lock)
        if row is None:
            return None
        return await self._roster(row, await self._booking_rows(studio_id, session_id=session_id))

    async def roster_and_account(
        self, studio_id: uuid.UUID, session_id: uuid.UUID, member_id: uuid.UUID, now: datetime
    ) -> tuple[SessionRoster, MemberAccount] | None:
        """`roster` and `account` for a use case that locks one member only (a sign-up), in fewer statements:
        both locks are taken first, so the session's and the member's bookings come in one query."""
        row = await self._session_row(studio_id, session_id, lock=True)
        if row is None:
            return None
        await self._lock_member(studio_id, member_id)
        bookings = await self._booking_rows(studio_id, session_id=session_id, member_ids=[member_id], now=now)
        roster = await self._roster(row, bookings, only_member=(member_id, now))
        (account,) = (await self._accounts(studio_id, [member_id], bookings)).values()
        return roster, account

    async def account(self, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> MemberAccount:
        """The member's entitlements and the bookings the rules need, under the member's row lock."""
        return (await self.accounts_for(studio_id, [member_id], now))[member_id]

    async def accounts_for(
        self, studio_id: uuid.UUID, member_ids: Iterable[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, MemberAccount]:
        """The accounts of these members, each locked (in member_id order) before anything of theirs is read."""
        ordered = sorted(set(member_ids), key=str)
        missing = [member_id for member_id in ordered if member_id not in self.accounts]
        for member_id in missing:
            await self._lock_member(studio_id, member_id)
        if missing:
            await self._accounts(studio_id, missing, await self._booking_rows(studio_id, member_ids=missing, now=now))
        return {member_id: self.accounts[member_id] for member_id in ordered}

    def is_overdue(self, member_id: uuid.UUID) -> bool:
        """Whether billing reported a member locked through this store as overdue (in this studio)."""
        return self._overdue[member_id]

    def is_archived(self, member_id: uuid.UUID) -> bool:
        """Whether a member locked through this store is archived in members."""
        return self._archived[member_id]

    async def _session_row(self, studio_id: uuid.UUID, session_id: uuid.UUID, lock: bool) -> Any:
        session = table_of(SessionRow)
        query = with_policy(select(session), session.c.studio_id).where(
            session.c.id == session_id, session.c.studio_id == studio_id
        )
        if lock:
            query = query.with_for_update(of=session)
        row = (await self.db.execute(query)).one_or_none()
        if row is not None:
            self._policies[studio_id] = policy_in(row)
        return row

    async def _lock_member(self, studio_id: uuid.UUID, member_id: uuid.UUID) -> None:
        if member_id in self._archived:
            return
        if any(str(locked) > str(member_id) for locked in self._archived):
            raise RuntimeError(f"member {member_id} locked after a later one: lock members in member_id order")
        # The member's overdue flag comes with the lock, so a sign-up's overdue check costs no statement of its own.
        overdue = (
            select(MemberPaymentStandingRow.overdue)
            .where(MemberPaymentStandingRow.studio_id == studio_id, MemberPaymentStandingRow.member_id == member_id)
            .scalar_subquery()
        )
        locked = (
            select(MemberRow.archived, func.coalesce(overdue, False))
            .where(MemberRow.studio_id == studio_id, MemberRow.member_id == member_id)
            .with_for_update(of=MemberRow)
        )
        row = (await self.db.execute(locked)).one_or_none()
        if row is None:  # not known from members yet: the row exists to be locked
            await self.db.execute(
                pg_insert(MemberRow)
                .values(studio_id=studio_id, member_id=member_id, tags=[], archived=False)
                .on_conflict_do_nothing(index_elements=[MemberRow.studio_id, MemberRow.member_id])
            )
            row = (await self.db.execute(locked)).one()
        self._archived[member_id] = row[0]
        self._overdue[member_id] = bool(row[1])

    async def _booking_rows(
        self,
        studio_id: uuid.UUID,
        *,
        session_id: uuid.UUID | None = None,
        member_ids: Sequence[uuid.UUID] = (),
        now: datetime | None = None,
    ) -> list[Any]:
        """A session's bookings and/or those members' active and recent ones, in one query; read only after
        the session's and members' locks, so none of them can change before the transaction ends."""
        wanted = []
        if session_id is not None:
            wanted.append(BookingRow.session_id == session_id)
        if member_ids:
            assert now is not None
            recent = or_(BookingRow.status == BookingStatus.ACTIVE.value, BookingRow.session_starts_at >= now - _RECENT)
            wanted.append(and_(BookingRow.member_id.in_(member_ids), recent))
        query = (
            select(table_of(BookingRow))
            .where(BookingRow.studio_id == studio_id, or_(*wanted))
            .order_by(BookingRow.booked_at, BookingRow.id)
        )
        return list((await self.db.execute(query)).all())

    async def _roster(
        self, row: Any, booking_rows: list[Any], *, only_member: tuple[uuid.UUID, datetime] | None = None
    ) -> SessionRoster:
        """`only_member`: (member, now) of a sign-up, which needs that member's waiting entry and how many others
        waited by `now`, not the whole line; the count comes in the same statement."""
        entries_of_session = select(table_of(WaitlistEntryRow)).where(
            WaitlistEntryRow.session_id == row.id, WaitlistEntryRow.studio_id == row.studio_id
        )
        others_waiting = 0
        if only_member is None:
            entries = (await self.db.execute(entries_of_session.order_by(WaitlistEntryRow.position))).all()
        else:
            member_id, now = only_member
            waiting = entries_of_session.where(WaitlistEntryRow.status == WaitlistStatus.WAITING.value)
            others = (
                select(func.count())
                .select_from(WaitlistEntryRow)
                .where(
                    WaitlistEntryRow.session_id == row.id,
                    WaitlistEntryRow.studio_id == row.studio_id,
                    WaitlistEntryRow.status == WaitlistStatus.WAITING.value,
                    WaitlistEntryRow.member_id != member_id,
                    WaitlistEntryRow.joined_at <= now,
                )
                .scalar_subquery()
            )
            # The count rides on a row that is always there (the member's entries may be none).
            counted = select(others.label("others_waiting")).subquery()
            own = waiting.where(WaitlistEntryRow.member_id == member_id).subquery()
            rows = (await self.db.execute(select(counted, own).outerjoin(own, literal(True)))).all()
            others_waiting = rows[0].others_waiting
            entries = [entry for entry in rows if entry.id is not None]
        roster = SessionRoster(
            session=session_from_row(row),
            bookings=[self.booking(b) for b in booking_rows if b.session_id == row.id],
            waitlist=[entry_from_row(e) for e in entries],
            others_waiting=others_waiting,
        )
        self._tracker.read("session", row.id, session_values(roster.session))
        for entry in roster.waitlist:
            self._tracker.read("waitlist_entry", entry.entry_id, entry_values(row.studio_id, entry))
        self.rosters[row.id] = roster
        return roster

    async def _accounts(
        self, studio_id: uuid.UUID, member_ids: list[uuid.UUID], booking_rows: list[Any]
    ) -> dict[uuid.UUID, MemberAccount]:
        entitlement_rows = (
            await self.db.execute(
                select(table_of(EntitlementRow)).where(
                    EntitlementRow.studio_id == studio_id, EntitlementRow.member_id.in_(member_ids)
                )
            )
        ).all()
        made = {}
        for member_id in member_ids:
            entitlements = [entitlement_from_row(r) for r in entitlement_rows if r.member_id == member_id]
            account = MemberAccount(
                studio_id=studio_id,
                member_id=member_id,
                entitlements={e.subscription_id: e for e in entitlements},
                bookings=[self.booking(b) for b in booking_rows if b.member_id == member_id],
            )
            for entitlement in entitlements:
                self._tracker.read("entitlement", entitlement.subscription_id, entitlement_values(entitlement))
            made[member_id] = self.accounts[member_id] = account
        return made

    # --- writing ------------------------------------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        await self.db.execute(insert(table_of(SessionRow)).values(session_values(session)))

    async def save(self) -> None:
        """Write what the rules changed: new rows, the changed columns of loaded rows, and the new log entries."""
        writes = [
            write
            for table, key, values in self._current_rows()
            if (write := self._tracker.change(table, key, values)) is not None
        ]
        for name, (table, _) in _TABLES.items():
            mine = [write for write in writes if write.table == name]
            await self._update(name, [write for write in mine if not write.insert])
            inserts = [dict(write.values) for write in mine if write.insert]
            if inserts:
                await self.db.execute(insert(table), inserts)
        self._tracker.written(writes)
        entries = [log_values(entry) for account in self.accounts.values() for entry in account.log]
        if entries:
            await self.db.execute(insert(table_of(UserLogRow)), entries)
        for account in self.accounts.values():
            account.log.clear()

    def _current_rows(self) -> Iterable[tuple[str, uuid.UUID, dict[str, Any]]]:
        """Every row loaded or created through this store, with the values its aggregate maps to now."""
        for roster in self.rosters.values():
            studio_id = roster.session.studio_id
            yield "session", roster.session.session_id, session_values(roster.session)
            for entry in roster.waitlist:
                yield "waitlist_entry", entry.entry_id, entry_values(studio_id, entry)
        bookings = dict(self._bookings)
        holders: list[SessionRoster | MemberAccount] = [*self.rosters.values(), *self.accounts.values()]
        for holder in holders:
            for booking in holder.bookings:
                bookings.setdefault(booking.booking_id, booking)
        for booking in bookings.values():
            yield "booking", booking.booking_id, booking_values(booking)
        for account in self.accounts.values():
            for entitlement in account.entitlements.values():
                yield "entitlement", entitlement.subscription_id, entitlement_values(entitlement)

    async def _update(self, table: str, writes: list[RowWrite]) -> None:
        """One statement per set of changed columns (rows changed alike, e.g. at a session's end, go together)."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for write in writes:
            by_columns.setdefault(write.columns, []).append({"row_key": write.key, **write.values})
        for rows in by_columns.values():
            await self.db.execute(_UPDATES[table], rows)
