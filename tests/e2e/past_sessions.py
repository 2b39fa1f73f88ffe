"""Sessions meant as history in end-to-end tests: no route makes a session in the past, so a booked one is shifted
back in bookings' own database and its attendance is then recorded through the API."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from .conftest import Stack


def move_back(stack: Stack, session_id: str, by: timedelta) -> None:
    """Shift a booked session into the past in bookings' own database (no route makes a past session)."""

    async def shift() -> None:
        engine = create_async_engine(stack.dev.running["bookings"].database_url)
        params = {"by": by, "s": uuid.UUID(session_id)}
        try:
            async with engine.begin() as db:
                await db.execute(
                    text(
                        "UPDATE session SET starts_at = starts_at - CAST(:by AS interval), "
                        "ends_at = ends_at - CAST(:by AS interval) WHERE id = :s"
                    ),
                    params,
                )
                await db.execute(
                    text(
                        "UPDATE booking SET session_starts_at = session_starts_at - CAST(:by AS interval), "
                        "session_ends_at = session_ends_at - CAST(:by AS interval), session_local_date = "
                        "(session_starts_at - CAST(:by AS interval)) AT TIME ZONE 'Europe/Amsterdam' "
                        "WHERE session_id = :s"
                    ),
                    params,
                )
        finally:
            await engine.dispose()

    asyncio.run(shift())
