"""Weekly schedules after creation: list and read them, edit a slot, change the validity period, delete them,
and carry each change over to the future sessions they made (see domain/schedule_edits.py for the rules)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.mapping import schedule_from_rows, slot_from_row
from gymloop_bookings.db.models import (
    BookingRow,
    SessionRow,
    SessionTypeRow,
    WaitlistEntryRow,
    WeeklyScheduleRow,
    WeeklySlotRow,
)
from gymloop_bookings.db.repository import BookingStore
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.events import SessionCancelled, SessionScheduled
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.promotion import promote_waitlist
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.schedule_edits import (
    AffectedSession,
    BookedSessions,
    SlotEdit,
    edited_slot,
    require_choice,
    require_coach_free,
    session_change,
    slot_session,
)
from gymloop_bookings.domain.schedules import Validity, WeeklySchedule, WeeklySlot, local_to_utc
from gymloop_bookings.domain.session_moves import change_session
from gymloop_bookings.service.coaches import require_coach
from gymloop_bookings.service.outcomes import names, not_found, publish
from gymloop_bookings.service.schedule_cases import scheduled_event

# Delete and a shorter validity take sessions away: there is nothing to move them to.
TAKE_OUT_CHOICES = (BookedSessions.KEEP, BookedSessions.CANCEL_AND_REFUND)


@dataclass
class ScheduleOutcome:
    """What a change did to the schedule's future sessions, by session id."""

    followed: list[uuid.UUID] = field(default_factory=list)  # nobody booked: changed with the schedule
    removed: list[uuid.UUID] = field(default_factory=list)  # nobody booked: taken out of the agenda
    moved: list[uuid.UUID] = field(default_factory=list)  # booked: changed, the members told
    kept: list[uuid.UUID] = field(default_factory=list)  # booked: left as they were
    cancelled: list[uuid.UUID] = field(default_factory=list)  # booked: cancelled, credits given back
    replacements: list[uuid.UUID] = field(default_factory=list)  # new sessions in place of the cancelled ones
    refunded_member_ids: list[uuid.UUID] = field(default_factory=list)


async def _slot_rows(db: AsyncSession, studio_id: uuid.UUID, schedule_ids: list[uuid.UUID]) -> list[WeeklySlotRow]:
    query = select(WeeklySlotRow).where(
        WeeklySlotRow.studio_id == studio_id, WeeklySlotRow.schedule_id.in_(schedule_ids)
    )
    return list((await db.execute(query)).scalars())


async def list_schedules(
    db: AsyncSession, studio_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[WeeklySchedule], int]:
    """A page of the studio's schedules (oldest first by id, a stable order) and how many there are."""
    total = await db.scalar(select(func.count()).where(WeeklyScheduleRow.studio_id == studio_id)) or 0
    rows = list(
        (
            await db.execute(
                select(WeeklyScheduleRow)
                .where(WeeklyScheduleRow.studio_id == studio_id)
                .order_by(WeeklyScheduleRow.id)
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
    )
    slots = await _slot_rows(db, studio_id, [r.id for r in rows])
    return [schedule_from_rows(r, [s for s in slots if s.schedule_id == r.id]) for r in rows], total


async def _schedule_row(
    db: AsyncSession, studio_id: uuid.UUID, schedule_id: uuid.UUID, *, lock: bool
) -> WeeklyScheduleRow:
    query = select(WeeklyScheduleRow).where(
        WeeklyScheduleRow.id == schedule_id, WeeklyScheduleRow.studio_id == studio_id
    )
    # The schedule's row lock serialises changes of one schedule, before any of its sessions is locked.
    row = (await db.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if row is None:
        raise not_found("schedule", "schedule_id")
    return row


async def get_schedule(db: AsyncSession, studio_id: uuid.UUID, schedule_id: uuid.UUID) -> WeeklySchedule:
    row = await _schedule_row(db, studio_id, schedule_id, lock=False)
    return schedule_from_rows(row, await _slot_rows(db, studio_id, [schedule_id]))


@dataclass
class _Future:
    """The schedule's sessions still ahead, loaded and locked, with the accounts their people need."""

    store: BookingStore
    policy: BookingPolicy
    rosters: list[SessionRoster]
    accounts: dict[uuid.UUID, MemberAccount]

    def affected(self) -> list[AffectedSession]:
        return [
            AffectedSession(r.session.session_id, r.session.starts_at, len(r.active_bookings), len(r.waiting))
            for r in self.rosters
            if _has_people(r)
        ]


def _has_people(roster: SessionRoster) -> bool:
    return bool(roster.active_bookings or roster.waiting)


async def _future(db: AsyncSession, studio_id: uuid.UUID, slot_ids: list[uuid.UUID], now: datetime) -> _Future:
    store = BookingStore(db)
    ids = (
        await db.execute(
            select(SessionRow.id)
            .where(
                SessionRow.studio_id == studio_id,
                SessionRow.slot_id.in_(slot_ids),
                SessionRow.status == "scheduled",
                SessionRow.starts_at > now,
            )
            .order_by(SessionRow.starts_at, SessionRow.id)
        )
    ).scalars()
    rosters = [roster for session_id in ids if (roster := await store.roster(studio_id, session_id)) is not None]
    # Every member these sessions may touch, locked in one go in member_id order (see db/repository.py).
    members = {m for r in rosters for m in [*(b.member_id for b in r.active_bookings), *r.waiting_member_ids()]}
    accounts = await store.accounts_for(studio_id, members, now)
    return _Future(store, await store.policy(studio_id), rosters, accounts)


async def _finish(db: AsyncSession, studio_id: uuid.UUID, future: _Future, extra: list[SessionScheduled]) -> None:
    await future.store.save()
    known = await names(db, studio_id)
    await publish(db, studio_id, [event for r in future.rosters for event in r.events], known)
    await publish(db, studio_id, extra, known)
    for roster in future.rosters:
        roster.events.clear()


async def _coach_slots(
    db: AsyncSession, studio_id: uuid.UUID, coach_id: uuid.UUID
) -> list[tuple[WeeklySlot, Validity]]:
    rows = await db.execute(
        select(WeeklySlotRow, WeeklyScheduleRow.valid_from, WeeklyScheduleRow.valid_until)
        .join(WeeklyScheduleRow, WeeklyScheduleRow.id == WeeklySlotRow.schedule_id)
        .where(WeeklySlotRow.studio_id == studio_id, WeeklySlotRow.coach_id == coach_id)
    )
    return [(slot_from_row(slot), Validity(start, end)) for slot, start, end in rows.all()]


async def edit_slot(
    db: AsyncSession,
    studio_id: uuid.UUID,
    schedule_id: uuid.UUID,
    slot_id: uuid.UUID,
    edit: SlotEdit,
    choice: BookedSessions | None,
    actor: Actor,
    now: datetime,
) -> ScheduleOutcome:
    """Change one slot and its future sessions: unbooked ones follow, booked ones as `choice` says."""
    schedule = await _schedule_row(db, studio_id, schedule_id, lock=True)
    slot_row = next((s for s in await _slot_rows(db, studio_id, [schedule_id]) if s.id == slot_id), None)
    if slot_row is None:
        raise not_found("slot", "slot_id")
    slot = edited_slot(slot_from_row(slot_row), edit)
    if slot.session_type_id != slot_row.session_type_id:
        type_row = await db.get(SessionTypeRow, slot.session_type_id)
        if type_row is None or type_row.studio_id != studio_id:
            raise not_found("session type", "session_type_id")
    if slot.coach_id != slot_row.coach_id:
        await require_coach(db, studio_id, slot.coach_id)
    if slot.coach_id is not None:
        validity = Validity(schedule.valid_from, schedule.valid_until)
        require_coach_free(slot, validity, await _coach_slots(db, studio_id, slot.coach_id))
    future = await _future(db, studio_id, [slot_id], now)
    require_choice(future.affected(), choice)
    slot_row.start_time = slot.start_time
    slot_row.duration_min = int(slot.duration.total_seconds() // 60)
    slot_row.coach_id, slot_row.capacity, slot_row.session_type_id = slot.coach_id, slot.capacity, slot.session_type_id
    outcome, replacements = ScheduleOutcome(), []
    for roster in future.rosters:
        session = roster.session
        day = future.policy.local_date(session.starts_at)
        change = session_change(slot, day, future.policy.zone)
        if local_to_utc(day, slot.start_time, future.policy.zone) <= now:
            continue  # the slot's new time today has passed: this session stays as it is
        if not _has_people(roster):
            change_session(roster, change, future.policy, actor, now)
            outcome.followed.append(session.session_id)
        elif choice is BookedSessions.KEEP:
            outcome.kept.append(session.session_id)
        elif choice is BookedSessions.MOVE_AND_NOTIFY:
            change_session(roster, change, future.policy, actor, now)
            promote_waitlist(roster, future.accounts, future.policy, now)
            outcome.moved.append(session.session_id)
        else:
            refunded = cancel_session(roster, future.accounts, future.policy, actor, now, "the schedule changed")
            outcome.cancelled.append(session.session_id)
            outcome.refunded_member_ids.extend(b.member_id for b in refunded)
            replacement = slot_session(slot, session, day, future.policy.zone, uuid.uuid4())
            await future.store.add_session(replacement)
            replacements.append(scheduled_event(replacement))
            outcome.replacements.append(replacement.session_id)
    await _finish(db, studio_id, future, replacements)
    return outcome


def _take_out(
    future: _Future,
    rosters: list[SessionRoster],
    choice: BookedSessions | None,
    actor: Actor,
    now: datetime,
    reason: str,
    outcome: ScheduleOutcome,
) -> list[uuid.UUID]:
    """Take these sessions away from the schedule; answers the ids of the rows to delete (nobody ever signed up)."""
    gone: list[uuid.UUID] = []
    for roster in rosters:
        session = roster.session
        if not _has_people(roster):
            if roster.bookings or roster.waitlist:
                cancel_session(roster, {}, future.policy, actor, now, reason)  # keeps its history of sign-outs
            else:
                gone.append(session.session_id)
                roster.events.append(
                    SessionCancelled(
                        session.session_id, session.studio_id, session.starts_at, reason, (), session.session_type_id
                    )
                )
            outcome.removed.append(session.session_id)
        elif choice is BookedSessions.KEEP:
            session.slot_id = None  # stays in the agenda as a one-off session, no longer the schedule's
            outcome.kept.append(session.session_id)
        else:
            refunded = cancel_session(roster, future.accounts, future.policy, actor, now, reason)
            outcome.cancelled.append(session.session_id)
            outcome.refunded_member_ids.extend(b.member_id for b in refunded)
    return gone


async def _delete_sessions(db: AsyncSession, studio_id: uuid.UUID, session_ids: list[uuid.UUID]) -> None:
    if not session_ids:
        return
    never_booked = ~exists().where(BookingRow.session_id == SessionRow.id) & ~exists().where(
        WaitlistEntryRow.session_id == SessionRow.id
    )
    await db.execute(
        delete(SessionRow).where(SessionRow.studio_id == studio_id, SessionRow.id.in_(session_ids), never_booked)
    )


async def set_validity(
    db: AsyncSession,
    studio_id: uuid.UUID,
    schedule_id: uuid.UUID,
    validity: Validity,
    choice: BookedSessions | None,
    actor: Actor,
    now: datetime,
) -> ScheduleOutcome:
    """Change the days the schedule runs; its future sessions outside them are taken away (booked ones as `choice`
    says: keep or cancel and refund). Days the period gains get sessions from generate."""
    row = await _schedule_row(db, studio_id, schedule_id, lock=True)
    slots = await _slot_rows(db, studio_id, [schedule_id])
    future = await _future(db, studio_id, [s.id for s in slots], now)
    outside = [r for r in future.rosters if not validity.contains(future.policy.local_date(r.session.starts_at))]
    outside_ids = {r.session.session_id for r in outside}
    require_choice([a for a in future.affected() if a.session_id in outside_ids], choice, TAKE_OUT_CHOICES)
    row.valid_from, row.valid_until = validity.valid_from, validity.valid_until
    outcome = ScheduleOutcome()
    gone = _take_out(future, outside, choice, actor, now, "the schedule no longer runs that day", outcome)
    await _finish(db, studio_id, future, [])
    await _delete_sessions(db, studio_id, gone)
    return outcome


async def delete_schedule(
    db: AsyncSession,
    studio_id: uuid.UUID,
    schedule_id: uuid.UUID,
    choice: BookedSessions | None,
    actor: Actor,
    now: datetime,
) -> ScheduleOutcome:
    """Delete the schedule and its slots; its future sessions go (booked ones as `choice` says: keep them as
    one-off sessions, or cancel and refund). Past sessions stay as they took place."""
    await _schedule_row(db, studio_id, schedule_id, lock=True)
    slots = await _slot_rows(db, studio_id, [schedule_id])
    future = await _future(db, studio_id, [s.id for s in slots], now)
    require_choice(future.affected(), choice, TAKE_OUT_CHOICES)
    outcome = ScheduleOutcome()
    gone = _take_out(future, future.rosters, choice, actor, now, "the schedule was deleted", outcome)
    await _finish(db, studio_id, future, [])
    await _delete_sessions(db, studio_id, gone)
    await db.execute(
        delete(WeeklySlotRow).where(WeeklySlotRow.studio_id == studio_id, WeeklySlotRow.schedule_id == schedule_id)
    )
    await db.execute(
        delete(WeeklyScheduleRow).where(WeeklyScheduleRow.studio_id == studio_id, WeeklyScheduleRow.id == schedule_id)
    )
    return outcome
