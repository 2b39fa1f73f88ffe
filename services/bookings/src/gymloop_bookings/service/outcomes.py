"""Turning domain events into published contracts (through the outbox), and the not-found answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from gymloop_contracts.base import EventPayload
from gymloop_contracts.events import bookings as contracts
from gymloop_kit.errors import NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import LocationRow, SessionTypeRow
from gymloop_bookings.domain import events


def not_found(what: str, field: str) -> NotFound:
    return NotFound(f"{what} not found", code=f"{what.replace(' ', '_')}_not_found", field=field)


def contracts_for(event: events.DomainEvent, names: dict[uuid.UUID, str]) -> list[EventPayload]:
    """The published contracts of a domain event; `names` holds the session types' and locations' names by id."""
    if isinstance(event, events.SessionBooked):
        booked = contracts.SessionBooked(
            booking_id=event.booking_id,
            session_id=event.session_id,
            member_id=event.member_id,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            booked_by=event.booked_by,
            subscription_id=event.subscription_id,
            credits_charged=event.credits_charged,
        )
        if not event.via_waitlist:
            return [booked]
        promoted = contracts.WaitlistPromoted(
            booking_id=event.booking_id,
            session_id=event.session_id,
            member_id=event.member_id,
            starts_at=event.starts_at,
            credits_charged=event.credits_charged,
        )
        return [booked, promoted]
    if isinstance(event, events.BookingCancelled):
        return [
            contracts.BookingCancelled(
                booking_id=event.booking_id,
                session_id=event.session_id,
                member_id=event.member_id,
                cancelled_by=event.cancelled_by,
                late=event.late,
                credit_returned=event.credit_returned,
            )
        ]
    if isinstance(event, events.SessionCancelled):
        return [
            contracts.SessionCancelled(
                session_id=event.session_id,
                session_type_name=names.get(event.session_type_id, "") if event.session_type_id else "",
                starts_at=event.starts_at,
                reason=event.reason,
                refunded_member_ids=list(event.refunded_member_ids),
            )
        ]
    if isinstance(event, events.SessionMoved):
        return [
            contracts.SessionMoved(
                session_id=event.session_id,
                session_type_id=event.session_type_id,
                session_type_name=names.get(event.session_type_id, ""),
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                location_id=event.location_id,
                location_name=names.get(event.location_id, ""),
                coach_id=event.coach_id,
                previous_starts_at=event.previous_starts_at,
                previous_ends_at=event.previous_ends_at,
                previous_location_id=event.previous_location_id,
                previous_coach_id=event.previous_coach_id,
                booked_member_ids=list(event.booked_member_ids),
                moved_by=event.moved_by,
            )
        ]
    if isinstance(event, events.AttendanceRecorded):
        return [
            contracts.AttendanceRecorded(
                booking_id=event.booking_id,
                session_id=event.session_id,
                member_id=event.member_id,
                location_id=event.location_id,
                session_type_id=event.session_type_id,
                starts_at=event.starts_at,
                status="no_show" if event.no_show else "attended",
                checked_in_at=event.checked_in_at,
            )
        ]
    if isinstance(event, events.SessionScheduled):
        return [
            contracts.SessionScheduled(
                session_id=event.session_id,
                location_id=event.location_id,
                session_type_id=event.session_type_id,
                session_type_name=names.get(event.session_type_id, ""),
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                capacity=event.capacity,
                coach_id=event.coach_id,
            )
        ]
    return []  # WaitlistSkipped stays internal: no contract for it


async def publish(
    db: AsyncSession,
    studio_id: uuid.UUID,
    domain_events: Iterable[events.DomainEvent],
    names: dict[uuid.UUID, str] | None = None,
) -> None:
    """Each domain event's contracts into the outbox; `names`: session types' and locations' names by id."""
    for event in domain_events:
        for payload in contracts_for(event, names or {}):
            await add_event(db, payload, studio_id=studio_id)


async def names(db: AsyncSession, studio_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The studio's session types' and locations' names by id, for the events that show them."""
    types = await db.execute(
        select(SessionTypeRow.id, SessionTypeRow.name).where(SessionTypeRow.studio_id == studio_id)
    )
    places = await db.execute(select(LocationRow.id, LocationRow.name).where(LocationRow.studio_id == studio_id))
    return {row.id: row.name for row in [*types, *places]}
