"""The studio itself: its name and time zone (admins' settings)."""

from __future__ import annotations

import uuid

from gymloop_kit.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Studio
from gymloop_members.domain.profile import check_name
from gymloop_members.service.accounts import check_timezone


async def get_studio(session: AsyncSession, studio_id: uuid.UUID) -> Studio:
    studio = await session.get(Studio, studio_id)
    if studio is None:
        raise NotFound("studio not found", code="studio_not_found")
    return studio


async def update_studio(
    session: AsyncSession, studio_id: uuid.UUID, *, name: str | None, timezone: str | None
) -> Studio:
    studio = await get_studio(session, studio_id)
    if name is not None:
        studio.name = check_name(name, field="name")
    if timezone is not None:
        studio.timezone = check_timezone(timezone)
    await session.flush()
    return studio
