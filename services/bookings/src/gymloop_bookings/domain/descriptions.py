"""Session descriptions at three levels; the most specific wins (seed 001, member communication).

1. the session's own description, 2. the type's description for that day (daily programming),
3. the type's standard description.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.schedules import SessionType
from gymloop_bookings.domain.sessions import Session

DayDescriptions = Mapping[tuple[uuid.UUID, date], str]


def describe_session(
    session: Session,
    session_type: SessionType,
    day_descriptions: DayDescriptions,
    policy: BookingPolicy,
) -> str | None:
    if session.description:
        return session.description
    day = policy.local_date(session.starts_at)
    daily = day_descriptions.get((session_type.session_type_id, day))
    if daily:
        return daily
    return session_type.description or None
