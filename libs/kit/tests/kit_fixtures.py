"""A tiny stand-in service for the kit's own tests: one table of effects, written by a consumer."""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.messaging.tables import metadata as delivery_metadata
from gymloop_kit.studio_clock.table import metadata as studio_clock_metadata
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, func, insert, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

test_metadata = MetaData()
# Deliberately no unique constraint on event_id: only the inbox may prevent duplicate effects.
effects = Table(
    "effects",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("studio_id", UUID(as_uuid=True), nullable=False),
    Column("reason", Text),
    Column("applied_at", DateTime(timezone=True), server_default=func.now()),
)


async def create_schema(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(delivery_metadata.create_all)
        await connection.run_sync(studio_clock_metadata.create_all)
        await connection.run_sync(test_metadata.create_all)
    await engine.dispose()


async def record_effect(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    if event.reason and event.reason.startswith("fail"):
        raise RuntimeError(f"handler refuses {event.reason}")
    await session.execute(
        insert(effects).values(event_id=envelope.event_id, studio_id=envelope.studio_id, reason=event.reason)
    )


async def effect_counts(session: AsyncSession, studio_id: uuid.UUID) -> tuple[int, int]:
    """(all effect rows, distinct events) for one studio."""
    row = (
        await session.execute(
            text("SELECT count(*), count(DISTINCT event_id) FROM effects WHERE studio_id = :s"), {"s": studio_id}
        )
    ).one()
    return int(row[0]), int(row[1])
