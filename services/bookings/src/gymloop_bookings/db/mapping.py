"""Rows to domain objects and back: the column values each aggregate part maps to (pure, no I/O)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.credits import CreditBuckets
from gymloop_bookings.domain.entitlements import DatePeriod, Entitlement, EntitlementKind
from gymloop_bookings.domain.schedules import Validity, WeeklySchedule, WeeklySlot
from gymloop_bookings.domain.sessions import Session, SessionStatus
from gymloop_bookings.domain.user_log import UserLogEntry
from gymloop_bookings.domain.waitlist import WaitlistEntry, WaitlistStatus


def slot_from_row(row: Any) -> WeeklySlot:
    return WeeklySlot(
        row.id,
        row.weekday,
        row.start_time,
        timedelta(minutes=row.duration_min),
        row.session_type_id,
        row.capacity,
        row.coach_id,
    )


def schedule_from_rows(row: Any, slots: list[Any]) -> WeeklySchedule:
    """A schedule row with its slot rows, the slots in weekly order."""
    ordered = sorted(slots, key=lambda s: (s.weekday, s.start_time, str(s.id)))
    return WeeklySchedule(
        row.id,
        row.studio_id,
        row.location_id,
        tuple(slot_from_row(s) for s in ordered),
        Validity(row.valid_from, row.valid_until),
    )


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
        moved_at=row.moved_at,
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
        "moved_at": session.moved_at,
    }


def _actor(actor_id: uuid.UUID | None, role: str | None) -> Actor | None:
    if actor_id is None or role is None:
        return None
    return Actor(actor_id, ActorRole(role))


def booking_from_row(row: Any) -> Booking:
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


def booking_values(booking: Booking) -> dict[str, Any]:
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


def entry_from_row(row: Any) -> WaitlistEntry:
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


def entry_values(studio_id: uuid.UUID, entry: WaitlistEntry) -> dict[str, Any]:
    return {
        "id": entry.entry_id,
        "studio_id": studio_id,
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


def log_values(entry: UserLogEntry) -> dict[str, Any]:
    """A new user-log row (its insertion order, `seq`, comes from the database)."""
    return {
        "id": uuid.uuid4(),
        "studio_id": entry.studio_id,
        "member_id": entry.member_id,
        "subscription_id": entry.subscription_id,
        "at": entry.at,
        "actor_id": entry.actor.actor_id,
        "actor_role": entry.actor.role.value,
        "reason": entry.reason.value,
        "change": entry.change,
        "available_after": entry.available_after,
        "session_id": entry.session_id,
        "booking_id": entry.booking_id,
        "note": entry.note,
    }
