"""Studio settings, locations, session types, weekly schedules and sessions."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.mapping import schedule_from_rows, session_values
from gymloop_bookings.db.models import (
    DayDescriptionRow,
    LocationRow,
    SessionRow,
    SessionTypeRow,
    StudioSettingsRow,
    WeeklyScheduleRow,
    WeeklySlotRow,
)
from gymloop_bookings.db.repository import BookingStore, load_policy
from gymloop_bookings.domain.events import SessionScheduled
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.schedules import (
    Validity,
    WeeklySchedule,
    WeeklySlot,
    generate_sessions,
    one_off_session,
)
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.service.coaches import require_coach
from gymloop_bookings.service.outcomes import not_found, publish


async def save_settings(db: AsyncSession, studio_id: uuid.UUID, policy: BookingPolicy) -> None:
    """The admins' policy; policy.time_zone and the studio's name are not stored here (members owns them, see
    repository.save_studio_name and the kit's studio clock)."""
    minutes = lambda span: int(span.total_seconds() // 60)  # noqa: E731
    values = {
        "studio_id": studio_id,
        "booking_window_min": minutes(policy.booking_window),
        "cancellation_cutoff_min": minutes(policy.cancellation_cutoff),
        "late_cancel_forfeits": policy.late_cancel_forfeits,
        "waitlist_enabled": policy.waitlist_enabled,
        "waitlist_cutoff_min": minutes(policy.waitlist_cutoff),
        "uses_check_in": policy.uses_check_in,
        "staff_may_book_beyond_window": policy.staff_may_book_beyond_window,
    }
    statement = pg_insert(StudioSettingsRow).values(**values)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[StudioSettingsRow.studio_id],
            set_={k: statement.excluded[k] for k in values if k != "studio_id"},
        )
    )


async def add_location(db: AsyncSession, studio_id: uuid.UUID, name: str, description: str | None) -> LocationRow:
    row = LocationRow(id=uuid.uuid4(), studio_id=studio_id, name=name, description=description)
    db.add(row)
    await db.flush()
    return row


async def add_session_type(
    db: AsyncSession, studio_id: uuid.UUID, name: str, description: str | None
) -> SessionTypeRow:
    row = SessionTypeRow(id=uuid.uuid4(), studio_id=studio_id, name=name, description=description)
    db.add(row)
    await db.flush()
    return row


async def _owned(db: AsyncSession, model: Any, row_id: uuid.UUID, studio_id: uuid.UUID, what: str, field: str) -> Any:
    row = await db.get(model, row_id)
    if row is None or row.studio_id != studio_id:
        raise not_found(what, field)
    return row


async def set_day_description(
    db: AsyncSession, studio_id: uuid.UUID, session_type_id: uuid.UUID, day: date, description: str
) -> None:
    await _owned(db, SessionTypeRow, session_type_id, studio_id, "session type", "session_type_id")
    statement = pg_insert(DayDescriptionRow).values(
        studio_id=studio_id, session_type_id=session_type_id, day=day, description=description
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[DayDescriptionRow.studio_id, DayDescriptionRow.session_type_id, DayDescriptionRow.day],
            set_={"description": statement.excluded.description},
        )
    )


async def _type_names(db: AsyncSession, studio_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await db.execute(select(SessionTypeRow.id, SessionTypeRow.name).where(SessionTypeRow.studio_id == studio_id))
    return {row.id: row.name for row in rows}


def scheduled_event(session: Session) -> SessionScheduled:
    return SessionScheduled(
        session_id=session.session_id,
        studio_id=session.studio_id,
        location_id=session.location_id,
        session_type_id=session.session_type_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        capacity=session.capacity,
        coach_id=session.coach_id,
    )


async def create_schedule(
    db: AsyncSession,
    studio_id: uuid.UUID,
    location_id: uuid.UUID,
    slots: list[tuple[int, time, int, uuid.UUID, int, uuid.UUID | None]],
    validity: Validity | None = None,
) -> WeeklySchedule:
    """slots: (weekday, local start, duration in minutes, session type, capacity, coach); validity: the local days
    it makes sessions on (open-ended by default)."""
    validity = validity or Validity()
    await _owned(db, LocationRow, location_id, studio_id, "location", "location_id")
    types = await _type_names(db, studio_id)
    domain_slots = tuple(
        WeeklySlot(uuid.uuid4(), weekday, start, timedelta(minutes=minutes), type_id, capacity, coach)
        for weekday, start, minutes, type_id, capacity, coach in slots
    )
    for slot in domain_slots:
        if slot.session_type_id not in types:
            raise not_found("session type", "session_type_id")
        await require_coach(db, studio_id, slot.coach_id)
    schedule = WeeklySchedule(uuid.uuid4(), studio_id, location_id, domain_slots, validity)
    db.add(
        WeeklyScheduleRow(
            id=schedule.schedule_id,
            studio_id=studio_id,
            location_id=location_id,
            valid_from=validity.valid_from,
            valid_until=validity.valid_until,
        )
    )
    for slot in domain_slots:
        db.add(
            WeeklySlotRow(
                id=slot.slot_id,
                studio_id=studio_id,
                schedule_id=schedule.schedule_id,
                weekday=slot.weekday,
                start_time=slot.start_time,
                duration_min=int(slot.duration.total_seconds() // 60),
                session_type_id=slot.session_type_id,
                capacity=slot.capacity,
                coach_id=slot.coach_id,
            )
        )
    await db.flush()
    return schedule


async def generate(
    db: AsyncSession, studio_id: uuid.UUID, schedule_id: uuid.UUID, first_day: date, weeks: int, now: datetime
) -> list[Session]:
    """Concrete sessions for the coming weeks within the schedule's validity; running it again adds only what is
    missing. Sessions that would start before `now` are not made (a first day in the past fills in only what is
    still ahead)."""
    row = await _owned(db, WeeklyScheduleRow, schedule_id, studio_id, "schedule", "schedule_id")
    slot_rows = (
        await db.execute(
            select(WeeklySlotRow).where(WeeklySlotRow.schedule_id == schedule_id, WeeklySlotRow.studio_id == studio_id)
        )
    ).scalars()
    schedule = schedule_from_rows(row, list(slot_rows))
    policy = await load_policy(db, studio_id)
    candidates = generate_sessions(schedule, policy.time_zone, first_day, weeks, not_before=now)
    if not candidates:
        return []
    existing = set(
        (await db.execute(select(SessionRow.id).where(SessionRow.id.in_([s.session_id for s in candidates])))).scalars()
    )
    created: list[Session] = []
    for session in candidates:
        if session.session_id in existing:
            continue
        # ON CONFLICT DO NOTHING makes two concurrent generations of the same weeks harmless.
        inserted = await db.execute(
            pg_insert(SessionRow).values(**session_values(session)).on_conflict_do_nothing().returning(SessionRow.id)
        )
        if inserted.first() is not None:
            created.append(session)
    await publish(db, studio_id, [scheduled_event(s) for s in created], await _type_names(db, studio_id))
    return created


async def add_one_off(
    db: AsyncSession,
    studio_id: uuid.UUID,
    location_id: uuid.UUID,
    session_type_id: uuid.UUID,
    day: date,
    start: time,
    duration_min: int,
    capacity: int,
    coach_id: uuid.UUID | None,
    description: str | None,
    now: datetime,
) -> Session:
    await _owned(db, LocationRow, location_id, studio_id, "location", "location_id")
    await _owned(db, SessionTypeRow, session_type_id, studio_id, "session type", "session_type_id")
    await require_coach(db, studio_id, coach_id)
    policy = await load_policy(db, studio_id)
    session = one_off_session(
        uuid.uuid4(),
        studio_id,
        location_id,
        session_type_id,
        policy.time_zone,
        day,
        start,
        timedelta(minutes=duration_min),
        capacity,
        now,
        coach_id,
        description,
    )
    await BookingStore(db).add_session(session)
    await publish(db, studio_id, [scheduled_event(session)], await _type_names(db, studio_id))
    return session


async def set_session_description(
    db: AsyncSession, studio_id: uuid.UUID, session_id: uuid.UUID, description: str | None
) -> None:
    row = await _owned(db, SessionRow, session_id, studio_id, "session", "session_id")
    row.description = description
    await db.flush()
