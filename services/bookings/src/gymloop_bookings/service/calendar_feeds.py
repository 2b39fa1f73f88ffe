"""A member's secret calendar feed address: made or rotated (the old address stops working), revoked, and read
by its token. They take a session and never commit."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import CalendarFeedRow


def _hash(token: str) -> str:
    # 256 random bits: a plain sha256 leaves nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


async def rotate(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, now: datetime) -> str:
    """A new secret token for the member's feed; the previous address stops working at once."""
    token = secrets.token_urlsafe(32)
    statement = insert(CalendarFeedRow).values(
        studio_id=studio_id, member_id=member_id, token_hash=_hash(token), created_at=now
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[CalendarFeedRow.studio_id, CalendarFeedRow.member_id],
            set_={"token_hash": statement.excluded.token_hash, "created_at": now},
        )
    )
    return token


async def revoke(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> None:
    await db.execute(
        delete(CalendarFeedRow).where(CalendarFeedRow.studio_id == studio_id, CalendarFeedRow.member_id == member_id)
    )


async def owner_of(db: AsyncSession, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(studio, member) of a feed token; None for an unknown, rotated or revoked one."""
    row = (
        await db.execute(
            select(CalendarFeedRow.studio_id, CalendarFeedRow.member_id).where(
                CalendarFeedRow.token_hash == _hash(token)
            )
        )
    ).one_or_none()
    return (row.studio_id, row.member_id) if row else None
