"""Giving a studio its slug: proposed from the name at creation, chosen by an admin later; unique across studios."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Studio
from gymloop_members.domain.errors import DomainConflict
from gymloop_members.domain.slugs import check_slug, slug_from_name, with_suffix
from gymloop_members.service.common import lock_key

_TRIES = 8


async def _taken(session: AsyncSession, slug: str, studio_id: uuid.UUID | None) -> bool:
    # The lock serialises two studios claiming one slug, so the second gets a clear 409 and not a commit failure.
    await lock_key(session, f"studio-slug:{slug}")
    owner = await session.scalar(select(Studio.studio_id).where(Studio.slug == slug))
    return owner is not None and owner != studio_id


async def proposed_slug(session: AsyncSession, name: str) -> str:
    """The name's slug, or with a short random suffix when another studio has it."""
    slug = slug_from_name(name)
    for _ in range(_TRIES):
        if not await _taken(session, slug, None):
            return slug
        slug = with_suffix(slug_from_name(name))
    raise AssertionError("no free slug after several random suffixes")  # 65,536 suffixes per name


async def chosen_slug(session: AsyncSession, studio_id: uuid.UUID, value: str) -> str:
    slug = check_slug(value)
    if await _taken(session, slug, studio_id):
        raise DomainConflict(code="slug_taken", field="slug", message=f"another studio has the address {slug!r}")
    return slug
