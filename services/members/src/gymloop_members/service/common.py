"""Small helpers shared by the use cases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


def utcnow() -> datetime:
    return datetime.now(UTC)


async def lock_key(session: AsyncSession, key: str) -> None:
    """A transaction-scoped advisory lock: serialises writers of one e-mail address (sign-up, upsert, login
    throttling) without a row to lock yet."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
