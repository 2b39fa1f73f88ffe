"""Editing and deleting weekly schedules: what happens to the sessions they already made.

Future sessions nobody booked simply follow the schedule. For sessions with bookings (or a waitlist) staff
choose, per request, what to do; without a choice the request is refused with the sessions concerned, so no
member's class changes silently.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gymloop_kit.errors import Conflict, FieldError, InvalidInput

from gymloop_bookings.domain.schedules import Validity, WeeklySlot, local_to_utc
from gymloop_bookings.domain.session_moves import KEEP, Keep, SessionChange
from gymloop_bookings.domain.sessions import Session

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEK_MINUTES = 7 * 24 * 60


class BookedSessions(enum.StrEnum):
    """What an edit or delete does to a future session that has bookings or a waitlist."""

    KEEP = "keep"  # the session stays as it was booked
    MOVE_AND_NOTIFY = "move_and_notify"  # the session follows the edit; its members are told and may sign out freely
    CANCEL_AND_REFUND = "cancel_and_refund"  # the session is cancelled and every credit given back


@dataclass(frozen=True, slots=True)
class AffectedSession:
    """A future session with people on it, as staff are shown it before they choose."""

    session_id: uuid.UUID
    starts_at: datetime
    booked: int
    waiting: int


def require_choice(
    affected: Sequence[AffectedSession],
    choice: BookedSessions | None,
    allowed: Iterable[BookedSessions] = tuple(BookedSessions),
) -> None:
    """Refuse (409) when booked sessions are concerned and no choice was made, listing each of them; refuse (422)
    a choice that does not apply to this change."""
    allowed = tuple(allowed)
    if choice is not None and choice not in allowed:
        raise InvalidInput(
            f"booked_sessions {choice.value!r} does not apply here: use {' or '.join(a.value for a in allowed)}",
            code="booked_sessions_not_applicable",
            field="booked_sessions",
        )
    if not affected or choice is not None:
        return
    message = (
        f"{len(affected)} future session(s) of this schedule have bookings or a waitlist: say what to do with "
        f"them in booked_sessions ({', '.join(a.value for a in allowed)})"
    )
    raise Conflict(
        message,
        code="booked_sessions_choice_required",
        field="booked_sessions",
        field_errors=[
            FieldError(
                ("body", "booked_sessions"),
                f"session {a.session_id} at {a.starts_at.isoformat()}: {a.booked} booked, {a.waiting} waiting",
                "booked_sessions_choice_required",
                context={
                    "session_id": str(a.session_id),
                    "starts_at": a.starts_at.isoformat(),
                    "booked": a.booked,
                    "waiting": a.waiting,
                },
            )
            for a in affected
        ],
    )


@dataclass(frozen=True, slots=True)
class SlotEdit:
    """The parts of a weekly slot staff may change; KEEP leaves one as it is (None for the coach means none)."""

    start_time: time | Keep = KEEP
    duration: timedelta | Keep = KEEP
    coach_id: uuid.UUID | Keep | None = KEEP
    capacity: int | Keep = KEEP
    session_type_id: uuid.UUID | Keep = KEEP


def edited_slot(slot: WeeklySlot, edit: SlotEdit) -> WeeklySlot:
    """The slot after the edit (checked like a new slot)."""
    changes = {
        name: value
        for name in ("start_time", "duration", "coach_id", "capacity", "session_type_id")
        if not isinstance(value := getattr(edit, name), Keep)
    }
    return replace(slot, **changes)


def session_change(slot: WeeklySlot, local_day: date, zone: ZoneInfo) -> SessionChange:
    """What a session of the slot on that local day becomes: the slot's time on the same day, and its coach,
    capacity and type (the location is the schedule's and does not change here)."""
    return SessionChange(
        starts_at=local_to_utc(local_day, slot.start_time, zone),
        duration=slot.duration,
        coach_id=slot.coach_id,
        capacity=slot.capacity,
        session_type_id=slot.session_type_id,
    )


def slot_session(
    slot: WeeklySlot, cancelled: Session, local_day: date, zone: ZoneInfo, session_id: uuid.UUID
) -> Session:
    """A fresh session of the slot on that local day, in place of a cancelled one of the same schedule (its own
    id: the cancelled session keeps the one derived from slot and day, so generating again makes no double)."""
    starts_at = local_to_utc(local_day, slot.start_time, zone)
    return Session(
        session_id=session_id,
        studio_id=cancelled.studio_id,
        location_id=cancelled.location_id,
        session_type_id=slot.session_type_id,
        starts_at=starts_at,
        ends_at=starts_at + slot.duration,
        capacity=slot.capacity,
        coach_id=slot.coach_id,
        description=cancelled.description,
        slot_id=slot.slot_id,
    )


def _label(slot: WeeklySlot) -> str:
    end = (datetime.combine(date(2000, 1, 1), slot.start_time) + slot.duration).time()
    return f"slot {slot.slot_id} ({WEEKDAYS[slot.weekday]} {slot.start_time:%H:%M}-{end:%H:%M})"


def _minutes_of_week(slot: WeeklySlot) -> tuple[int, int]:
    start = slot.weekday * 24 * 60 + slot.start_time.hour * 60 + slot.start_time.minute
    return start, start + int(slot.duration.total_seconds() // 60)


def _overlap(a: WeeklySlot, b: WeeklySlot) -> bool:
    a_start, a_end = _minutes_of_week(a)
    b_start, b_end = _minutes_of_week(b)
    # A Sunday-night slot running past midnight meets Monday's slots: compare with b a week earlier and later too.
    return any(a_start < b_end + shift and b_start + shift < a_end for shift in (-_WEEK_MINUTES, 0, _WEEK_MINUTES))


def require_coach_free(slot: WeeklySlot, validity: Validity, others: Iterable[tuple[WeeklySlot, Validity]]) -> None:
    """A coach gives one class at a time: refuse (409) a slot that overlaps another slot of the same coach in a
    schedule valid at the same time, naming both slots."""
    if slot.coach_id is None:
        return
    for other, other_validity in others:
        if other.slot_id == slot.slot_id or other.coach_id != slot.coach_id:
            continue
        if validity.overlaps(other_validity) and _overlap(slot, other):
            raise Conflict(
                f"{_label(slot)} would overlap {_label(other)}: both are given by coach {slot.coach_id}",
                code="coach_slots_overlap",
                field="start_time",
                field_errors=[
                    FieldError(
                        ("body", "start_time"),
                        f"{_label(slot)} overlaps {_label(other)} of the same coach",
                        "coach_slots_overlap",
                        context={"slot_id": str(slot.slot_id), "other_slot_id": str(other.slot_id)},
                    )
                ],
            )
