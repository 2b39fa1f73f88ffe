"""Sign-up, sign-out, waitlist, cancellation, check-in and attendance as transactions on the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from gymloop_kit.errors import InvalidInput
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.payment_standing import blocked_by_payments, load_payment_standing
from gymloop_bookings.db.repository import BookingStore
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.attendance import check_in, end_session, toggle_present
from gymloop_bookings.domain.bookings import Booking
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.promotion import leave_waitlist, promote_waitlist
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.signup import SignUpResult, sign_out, sign_up
from gymloop_bookings.service.gates import session_gate
from gymloop_bookings.service.outcomes import names, not_found, publish


@dataclass(frozen=True)
class SignOutOutcome:
    booking: Booking
    promoted: list[Booking]


async def _roster(store: BookingStore, studio_id: uuid.UUID, session_id: uuid.UUID) -> SessionRoster:
    roster = await store.roster(studio_id, session_id)
    if roster is None:
        raise not_found("session", "session_id")
    return roster


async def _finish(store: BookingStore, studio_id: uuid.UUID, roster: SessionRoster) -> None:
    await store.save()
    await publish(store.db, studio_id, roster.events)
    roster.events.clear()


async def sign_up_member(
    db: AsyncSession,
    studio_id: uuid.UUID,
    session_id: uuid.UUID,
    member_id: uuid.UUID,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> SignUpResult:
    """`reason`: staff's reason to book a member whose overdue payments block booking (see domain/payment_standing)."""
    async with session_gate(session_id):
        store = BookingStore(db)
        loaded = await store.roster_and_account(studio_id, session_id, member_id, now)
        if loaded is None:
            raise not_found("session", "session_id")
        roster, account = loaded
        if store.is_archived(member_id):
            raise InvalidInput("the member is archived: unarchive them before booking", code="member_archived")
        policy = await store.policy(studio_id)
        account.expire_lapsed(policy.today(now), now)
        standing = await load_payment_standing(db, studio_id, overdue=store.is_overdue(member_id))
        result = sign_up(roster, account, policy, actor, now, standing=standing, reason=reason)
        await _finish(store, studio_id, roster)
        return result


async def sign_out_member(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, member_id: uuid.UUID, actor: Actor, now: datetime
) -> SignOutOutcome:
    async with session_gate(session_id):
        store = BookingStore(db)
        roster = await _roster(store, studio_id, session_id)
        policy = await store.policy(studio_id)
        # Every member this may touch is locked up front, in member_id order (see db/repository.py).
        accounts = await store.accounts_for(studio_id, [member_id, *roster.waiting_member_ids()], now)
        booking = sign_out(roster, accounts[member_id], policy, actor, now)
        blocked = await _blocked(db, store, studio_id, roster)
        promoted = promote_waitlist(roster, accounts, policy, now, blocked_by_payments=blocked)
        await _finish(store, studio_id, roster)
        return SignOutOutcome(booking, promoted)


async def _blocked(
    db: AsyncSession, store: BookingStore, studio_id: uuid.UUID, roster: SessionRoster
) -> frozenset[uuid.UUID]:
    """The waiting members (locked through `store`) whose overdue payments keep them from a free place."""
    overdue = [member_id for member_id in roster.waiting_member_ids() if store.is_overdue(member_id)]
    return await blocked_by_payments(db, studio_id, overdue)


async def leave_session_waitlist(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> None:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    leave_waitlist(roster, member_id, now)
    await _finish(store, studio_id, roster)


async def cancel(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, actor: Actor, now: datetime, reason: str | None
) -> list[Booking]:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    policy = await store.policy(studio_id)
    accounts = await store.accounts_for(studio_id, [b.member_id for b in roster.active_bookings], now)
    refunded = cancel_session(roster, accounts, policy, actor, now, reason)
    await store.save()
    await publish(db, studio_id, roster.events, await names(db, studio_id))  # the members are told its name
    roster.events.clear()
    return refunded


async def change_capacity(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, capacity: int, now: datetime
) -> list[Booking]:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    policy = await store.policy(studio_id)
    accounts = await store.accounts_for(studio_id, roster.waiting_member_ids(), now)
    roster.change_capacity(capacity)
    blocked = await _blocked(db, store, studio_id, roster)
    promoted = promote_waitlist(roster, accounts, policy, now, blocked_by_payments=blocked)
    await _finish(store, studio_id, roster)
    return promoted


async def desk_check_in(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> Booking:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    booking = check_in(roster, member_id, now)
    await _finish(store, studio_id, roster)
    return booking


async def press_present(db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, member_id: uuid.UUID) -> Booking:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    booking = toggle_present(roster, member_id)
    await _finish(store, studio_id, roster)
    return booking


async def record_attendance(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> list[Booking]:
    store = BookingStore(db)
    roster = await _roster(store, studio_id, session_id)
    policy = await store.policy(studio_id)
    accounts = await store.accounts_for(studio_id, [b.member_id for b in roster.active_bookings], now)
    attendees = end_session(roster, accounts, policy, now)
    await _finish(store, studio_id, roster)
    return attendees
