"""The studio itself: its name, time zone, slug and address (admins' settings)."""

from __future__ import annotations

import uuid

from gymloop_kit.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Studio
from gymloop_members.domain.errors import DomainError
from gymloop_members.domain.profile import check_name
from gymloop_members.service.accounts import check_timezone
from gymloop_members.service.events import emit_studio_updated
from gymloop_members.service.studio_slugs import chosen_slug


def check_address(value: str) -> str | None:
    """The postal address as one or more lines; empty clears it."""
    address = "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())
    if len(address) > 500:
        raise DomainError(code="address_too_long", field="address", message="an address has at most 500 characters")
    return address or None


async def get_studio(session: AsyncSession, studio_id: uuid.UUID, *, lock: bool = False) -> Studio:
    # Locked for a change: two concurrent edits then publish their states in the order they commit.
    studio = await session.get(Studio, studio_id, with_for_update=lock)
    if studio is None:
        raise NotFound("studio not found", code="studio_not_found")
    return studio


async def update_studio(
    session: AsyncSession, studio_id: uuid.UUID, *, name: str | None, timezone: str | None,
    slug: str | None = None, address: str | None = None,
) -> Studio:  # fmt: skip
    """Change the name, time zone, slug (the public page's address) or address; StudioUpdated goes out only when
    the name or time zone really changed (the others stay in members: only its public page shows them)."""
    studio = await get_studio(session, studio_id, lock=True)
    if slug is not None:
        studio.slug = await chosen_slug(session, studio_id, slug)
    if address is not None:
        studio.address = check_address(address)
    before = (studio.name, studio.timezone)
    if name is not None:
        studio.name = check_name(name, field="name")
    if timezone is not None:
        studio.timezone = check_timezone(timezone)
    if (studio.name, studio.timezone) != before:
        await session.flush()
        await emit_studio_updated(session, studio)
    return studio
