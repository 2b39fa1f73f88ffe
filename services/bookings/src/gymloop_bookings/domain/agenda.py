"""Agenda views: sessions grouped per studio-local day, per location, per ISO week (pure grouping)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from gymloop_kit.studio_clock import parse_time_zone

from gymloop_bookings.domain.sessions import Session


@dataclass(frozen=True, slots=True)
class AgendaDay:
    day: date
    sessions: tuple[Session, ...]  # ordered by start

    def by_location(self) -> dict[uuid.UUID, tuple[Session, ...]]:
        grouped: dict[uuid.UUID, list[Session]] = defaultdict(list)
        for session in self.sessions:
            grouped[session.location_id].append(session)
        return {location: tuple(items) for location, items in grouped.items()}


def agenda_days(
    sessions: Iterable[Session],
    time_zone: str,
    first_day: date,
    days: int,
    location_id: uuid.UUID | None = None,
    include_cancelled: bool = True,
) -> list[AgendaDay]:
    """One entry per local day from `first_day`, empty days included, optionally for one location."""
    zone = parse_time_zone(time_zone)
    last_day = first_day + timedelta(days=days - 1)
    per_day: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        if location_id is not None and session.location_id != location_id:
            continue
        if session.is_cancelled and not include_cancelled:
            continue
        day = session.starts_at.astimezone(zone).date()
        if first_day <= day <= last_day:
            per_day[day].append(session)
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        ordered = sorted(per_day.get(day, []), key=lambda s: (s.starts_at, str(s.session_id)))
        result.append(AgendaDay(day=day, sessions=tuple(ordered)))
    return result


def agenda_week(
    sessions: Iterable[Session],
    time_zone: str,
    any_day: date,
    location_id: uuid.UUID | None = None,
    include_cancelled: bool = True,
) -> list[AgendaDay]:
    """Monday to Sunday of the ISO week containing `any_day`."""
    monday = any_day - timedelta(days=any_day.weekday())
    return agenda_days(sessions, time_zone, monday, 7, location_id, include_cancelled)
