"""The studio itself: its name and time zone (admins' settings)."""

from __future__ import annotations

import uuid

from gymloop_kit.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Studio
from gymloop_members.domain.profile import check_name
from gymloop_members.service.accounts import check_timezone
from gymloop_members.service.events import emit_studio_updated


async def get_studio(session: AsyncSession, studio_id: uuid.UUID, *, lock: bool = False) -> Studio:
    # Locked for a change: two concurrent edits then publish their states in the order they commit.
    studio = await session.get(Studio, studio_id, with_for_update=lock)
    if studio is None:
        raise NotFound("studio not found", code="studio_not_found")
    return studio


async def update_studio(
    session: AsyncSession, studio_id: uuid.UUID, *, name: str | None, timezone: str | None
) -> Studio:
    """Change the name and/or time zone; StudioUpdated goes out only when one of them really changed."""
    studio = await get_studio(session, studio_id, lock=True)
    before = (studio.name, studio.timezone)
    if name is not None:
        studio.name = check_name(name, field="name")
    if timezone is not None:
        studio.timezone = check_timezone(timezone)
    if (studio.name, studio.timezone) != before:
        await session.flush()
        await emit_studio_updated(session, studio)
    return studio
