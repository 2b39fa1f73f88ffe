"""A studio's week as its public page shows it: what takes place, when, where and how many places are free.
No login, and nothing about people (no coach, no booked member)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.http.dates import Day
from pydantic import BaseModel, Field

from gymloop_bookings.db.repository import load_policy
from gymloop_bookings.domain.schedules import Location
from gymloop_bookings.service import agenda_view, views

router = APIRouter(tags=["public"])


class PublicSessionOut(BaseModel):
    id: uuid.UUID
    name: str | None = Field(description="The session type's name")
    starts_at: datetime
    ends_at: datetime
    location: str | None = Field(description="The location's name")
    status: str
    capacity: int
    free_places: int
    description: str | None


class PublicAgendaDayOut(BaseModel):
    day: date
    sessions: list[PublicSessionOut]


def _public_session(entry: agenda_view.AgendaEntry, places: dict[uuid.UUID, Location]) -> PublicSessionOut:
    session = entry.session
    place = places.get(session.location_id)
    return PublicSessionOut(
        id=session.session_id,
        name=entry.name,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=place.name if place else None,
        status=session.status.value,
        capacity=session.capacity,
        free_places=max(session.capacity - entry.booked, 0),
        description=entry.description,
    )


@router.get(
    "/public/studios/{studio_id}/agenda",
    operation_id="getPublicAgenda",
    summary="A studio's agenda for its public page: a week of sessions with free places (no login)",
)
async def get_public_agenda(
    studio_id: uuid.UUID,
    session: Session,
    day: Day | None = Query(default=None, description="The first day; the studio's today when left out"),
    days: int = Query(default=7, ge=1, le=14),
) -> list[PublicAgendaDayOut]:
    """Public. The sessions of `days` local days from `day` in the studio's time zone, each with its name, place,
    capacity and free places; no coach and no member. A studio bookings does not know has empty days."""
    first = day or (await load_policy(session, studio_id)).today(datetime.now(UTC))
    agenda = await agenda_view.agenda_contents(session, studio_id, first, days, None, None)
    places = await views.locations(session, studio_id)
    return [
        PublicAgendaDayOut(
            day=d.day,
            sessions=[_public_session(e, places) for e in d.sessions],
        )
        for d in agenda
    ]
