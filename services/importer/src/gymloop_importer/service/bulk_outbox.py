"""Queueing many events in one transaction with a few statements instead of three per event.

The kit's `add_event` takes one event at a time (a sequence upsert, an outbox insert and a NOTIFY each);
an import of 10,000 rows would spend most of its time on those round trips. This does the same writes
in batches: the same tables, the same per-aggregate sequences, the same envelope, one NOTIFY.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from gymloop_contracts import Envelope, EventPayload, wrap
from gymloop_kit.logging import current_correlation_id, traceparent_var
from gymloop_kit.messaging.outbox import NOTIFY_CHANNEL
from gymloop_kit.messaging.tables import outbox, outbox_sequence
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

BATCH = 1000


async def _sequences(session: AsyncSession, payloads: Sequence[EventPayload]) -> dict[tuple[str, str], int]:
    keys = sorted({(payload.aggregate_type, payload.aggregate_id) for payload in payloads})
    if len(keys) != len(payloads):
        raise ValueError("add_events takes one event per aggregate; use add_event for several")
    upsert = pg_insert(outbox_sequence).values(
        [{"aggregate_type": kind, "aggregate_id": key, "last_sequence": 1} for kind, key in keys]
    )
    statement = upsert.on_conflict_do_update(
        index_elements=[outbox_sequence.c.aggregate_type, outbox_sequence.c.aggregate_id],
        set_={"last_sequence": outbox_sequence.c.last_sequence + 1},
    ).returning(outbox_sequence.c.aggregate_type, outbox_sequence.c.aggregate_id, outbox_sequence.c.last_sequence)
    rows = (await session.execute(statement)).all()
    return {(kind, key): int(sequence) for kind, key, sequence in rows}


async def add_events(
    session: AsyncSession, payloads: Sequence[EventPayload], *, studio_id: uuid.UUID
) -> list[Envelope]:
    """Queue events of distinct aggregates in the caller's transaction (never commits)."""
    envelopes: list[Envelope] = []
    correlation_id = current_correlation_id()
    traceparent = traceparent_var.get()
    for start in range(0, len(payloads), BATCH):
        batch = payloads[start : start + BATCH]
        sequences = await _sequences(session, batch)
        wrapped = [
            wrap(
                payload,
                studio_id=studio_id,
                producer=payload.owner,
                correlation_id=correlation_id,
                traceparent=traceparent,
                sequence=sequences[(payload.aggregate_type, payload.aggregate_id)],
            )
            for payload in batch
        ]
        await session.execute(
            insert(outbox),
            [
                {
                    "event_id": envelope.event_id,
                    "topic": envelope.topic,
                    "partition_key": envelope.partition_key,
                    "envelope": envelope.model_dump(mode="json"),
                }
                for envelope in wrapped
            ],
        )
        envelopes.extend(wrapped)
    if envelopes:
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return envelopes
