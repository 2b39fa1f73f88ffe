"""Who may be a session's or a slot's coach: a person bookings knows as staff of this studio, from members'
events (the `member` projection with its `role`). Another studio's person is refused like an id nobody has.

Eventual consistency: a coach added in members reaches bookings with its MemberRegistered, usually within a
second; until then the id is refused with the same field error, which says to try again in a moment. People
projected before bookings kept roles (role unknown) are accepted when they are of this studio and not archived.
"""

from __future__ import annotations

import uuid

from gymloop_kit.errors import InvalidInput
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import MemberRow

STAFF_ROLES = frozenset({"employee", "admin"})


async def require_coach(db: AsyncSession, studio_id: uuid.UUID, coach_id: uuid.UUID | None) -> None:
    if coach_id is None:
        return
    person = await db.get(MemberRow, (studio_id, coach_id))
    if person is None or person.archived or (person.role is not None and person.role not in STAFF_ROLES):
        raise InvalidInput(
            f"{coach_id} is not a coach of this studio (an employee or admin; one added just now may take a "
            "moment to be known here: try again shortly)",
            code="coach_not_in_studio",
            field="coach_id",
        )
