"""Weekly schedules after creation: list, read, edit a slot, change the validity period, delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.errors import InvalidInput

from gymloop_bookings.api.schemas import (
    BOOKED_SESSIONS_HELP,
    ScheduleChangeOut,
    ScheduleDetailOut,
    SchedulePage,
    SlotEditIn,
    ValidityIn,
)
from gymloop_bookings.domain.schedule_edits import BookedSessions, SlotEdit
from gymloop_bookings.domain.schedules import Validity
from gymloop_bookings.domain.session_moves import KEEP
from gymloop_bookings.service import schedule_edits
from gymloop_bookings.service.actors import actor_of
from gymloop_bookings.service.schedule_edits import ScheduleOutcome

router = APIRouter(tags=["schedules"])


def _changed(outcome: ScheduleOutcome) -> ScheduleChangeOut:
    return ScheduleChangeOut(
        followed=outcome.followed,
        removed=outcome.removed,
        moved=outcome.moved,
        kept=outcome.kept,
        cancelled=outcome.cancelled,
        replacements=outcome.replacements,
        refunded_member_ids=outcome.refunded_member_ids,
    )


@router.get(
    "/schedules", operation_id="listSchedules", summary="List the weekly schedules", response_model=SchedulePage
)
async def get_schedules(
    principal: Staff,
    session: Session,
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> SchedulePage:
    """Staff only. The studio's schedules with their slots and validity period, a page at a time."""
    found, total = await schedule_edits.list_schedules(session, principal.studio_id, limit, offset)
    return SchedulePage(items=[ScheduleDetailOut.of(s) for s in found], total=total, limit=limit, offset=offset)


@router.get(
    "/schedules/{schedule_id}",
    operation_id="getSchedule",
    summary="A weekly schedule",
    response_model=ScheduleDetailOut,
)
async def get_schedule(schedule_id: uuid.UUID, principal: Staff, session: Session) -> ScheduleDetailOut:
    """Staff only. The schedule's slots and validity period."""
    return ScheduleDetailOut.of(await schedule_edits.get_schedule(session, principal.studio_id, schedule_id))


@router.patch(
    "/schedules/{schedule_id}/slots/{slot_id}",
    operation_id="editScheduleSlot",
    summary="Edit a slot (time, duration, coach, capacity, session type) and its future sessions",
    response_model=ScheduleChangeOut,
)
async def patch_slot(
    schedule_id: uuid.UUID, slot_id: uuid.UUID, body: SlotEditIn, principal: Staff, session: Session
) -> ScheduleChangeOut:
    """Staff only. Future sessions of the slot that nobody booked follow the edit; for those with bookings or a
    waitlist `booked_sessions` says what happens (409 booked_sessions_choice_required lists them when it is
    missing). A slot overlapping another slot of the same coach is refused (409 coach_slots_overlap)."""
    sent = body.model_fields_set - {"booked_sessions"}
    if not sent:
        raise InvalidInput("send at least one of the slot's fields to change", code="nothing_to_change")
    edit = SlotEdit(
        start_time=body.start_time or KEEP,
        duration=timedelta(minutes=body.duration_minutes) if body.duration_minutes else KEEP,
        coach_id=body.coach_id if "coach_id" in sent else KEEP,
        capacity=body.capacity or KEEP,
        session_type_id=body.session_type_id or KEEP,
    )
    outcome = await schedule_edits.edit_slot(
        session,
        principal.studio_id,
        schedule_id,
        slot_id,
        edit,
        body.booked_sessions,
        actor_of(principal),
        datetime.now(UTC),
    )
    return _changed(outcome)


@router.put(
    "/schedules/{schedule_id}/validity",
    operation_id="setScheduleValidity",
    summary="Set the days a schedule runs (valid_from, valid_until)",
    response_model=ScheduleChangeOut,
)
async def put_validity(
    schedule_id: uuid.UUID, body: ValidityIn, principal: Staff, session: Session
) -> ScheduleChangeOut:
    """Staff only. Future sessions outside the new period are taken out of the agenda; booked ones as
    `booked_sessions` says (keep or cancel_and_refund). Days the period gains get sessions from generate."""
    outcome = await schedule_edits.set_validity(
        session,
        principal.studio_id,
        schedule_id,
        Validity(body.valid_from, body.valid_until),
        body.booked_sessions,
        actor_of(principal),
        datetime.now(UTC),
    )
    return _changed(outcome)


@router.delete(
    "/schedules/{schedule_id}",
    operation_id="deleteSchedule",
    summary="Delete a weekly schedule and its future sessions",
    response_model=ScheduleChangeOut,
)
async def delete_schedule(
    schedule_id: uuid.UUID,
    principal: Staff,
    session: Session,
    booked_sessions: BookedSessions | None = Query(default=None, description=BOOKED_SESSIONS_HELP),
) -> ScheduleChangeOut:
    """Staff only. Future sessions nobody booked go; booked ones are kept as one-off sessions (keep) or cancelled
    with every credit back (cancel_and_refund). Past sessions stay as they took place."""
    outcome = await schedule_edits.delete_schedule(
        session, principal.studio_id, schedule_id, booked_sessions, actor_of(principal), datetime.now(UTC)
    )
    return _changed(outcome)
