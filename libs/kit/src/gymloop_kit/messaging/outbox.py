"""Writing events: the state change and its events commit in one transaction.

`add_event` stores the envelope in the outbox table inside the caller's session; it never commits. The
relay publishes it after the commit. NOTIFY is transactional too, so the relay is woken only on commit.
"""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope, EventPayload, wrap
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.logging import current_correlation_id, traceparent_var
from gymloop_kit.messaging.tables import outbox, outbox_sequence

NOTIFY_CHANNEL = "gymloop_outbox"


async def next_sequence(session: AsyncSession, aggregate_type: str, aggregate_id: str) -> int:
    """Per-aggregate sequence; the row lock also serialises concurrent writers of one aggregate."""
    statement = (
        pg_insert(outbox_sequence)
        .values(aggregate_type=aggregate_type, aggregate_id=aggregate_id, last_sequence=1)
        .on_conflict_do_update(
            index_elements=[outbox_sequence.c.aggregate_type, outbox_sequence.c.aggregate_id],
            set_={"last_sequence": outbox_sequence.c.last_sequence + 1},
        )
        .returning(outbox_sequence.c.last_sequence)
    )
    return int((await session.execute(statement)).scalar_one())


async def add_event(
    session: AsyncSession,
    payload: EventPayload,
    *,
    studio_id: uuid.UUID,
    correlation_id: str | None = None,
) -> Envelope:
    """Queue one event in the caller's transaction. The producer is the event's owning service."""
    sequence = await next_sequence(session, payload.aggregate_type, payload.aggregate_id)
    envelope = wrap(
        payload,
        studio_id=studio_id,
        producer=payload.owner,
        correlation_id=correlation_id or current_correlation_id(),
        traceparent=traceparent_var.get(),
        sequence=sequence,
    )
    await session.execute(
        insert(outbox).values(
            event_id=envelope.event_id,
            topic=envelope.topic,
            partition_key=envelope.partition_key,
            envelope=envelope.model_dump(mode="json"),
        )
    )
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return envelope
