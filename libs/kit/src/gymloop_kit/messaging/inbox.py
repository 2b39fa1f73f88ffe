"""The inbox: a consumer records (consumer, event_id) in the same transaction as its effects.

A redelivered event finds its row and changes nothing. Two deliveries racing each other are serialised by
the primary key: the second waits for the first to commit, then sees the row.
"""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.messaging.tables import applied_sequence, inbox


async def claim(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """True the first time this consumer sees the event; False for a duplicate."""
    statement = (
        pg_insert(inbox)
        .values(consumer=consumer, event_id=envelope.event_id, event_type=envelope.event_type)
        .on_conflict_do_nothing(index_elements=[inbox.c.consumer, inbox.c.event_id])
        .returning(inbox.c.event_id)
    )
    return (await session.execute(statement)).first() is not None


# Arrays rather than a VALUES row per event: one statement text whatever the batch size, so it is compiled once
# (a multi-row VALUES is compiled anew for every batch size, which cost more than the database's work).
_CLAIM_MANY = text(
    """
    INSERT INTO inbox (consumer, event_id, event_type)
    SELECT :consumer, event_id, event_type
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS text[])) AS e(event_id, event_type)
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING event_id
    """
)


async def claim_many(session: AsyncSession, consumer: str, envelopes: list[Envelope]) -> set[uuid.UUID]:
    """Record a batch in one statement; returns the event ids this consumer had not seen before."""
    if not envelopes:
        return set()
    parameters = {
        "consumer": consumer,
        "event_ids": [e.event_id for e in envelopes],
        "event_types": [e.event_type for e in envelopes],
    }
    return {row[0] for row in await session.execute(_CLAIM_MANY, parameters)}


async def seen(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """Whether this consumer has recorded the event (without recording it)."""
    statement = select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
    return (await session.execute(statement)).first() is not None


async def is_newest(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """For state-carrying events applied order-insensitively: True (and remembered) only when this event's
    per-aggregate sequence is newer than any this consumer has applied for the aggregate."""
    statement = (
        pg_insert(applied_sequence)
        .values(
            consumer=consumer,
            aggregate_type=envelope.aggregate_type,
            aggregate_id=envelope.aggregate_id,
            sequence=envelope.sequence,
            applied_at=func.now(),
        )
        .on_conflict_do_update(
            index_elements=[
                applied_sequence.c.consumer,
                applied_sequence.c.aggregate_type,
                applied_sequence.c.aggregate_id,
            ],
            set_={"sequence": envelope.sequence, "applied_at": func.now()},
            where=applied_sequence.c.sequence < envelope.sequence,
        )
        .returning(applied_sequence.c.sequence)
    )
    return (await session.execute(statement)).first() is not None
