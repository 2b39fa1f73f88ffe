"""Writing events: the state change and its events commit in one transaction.

`add_event` stores the envelope in the outbox table inside the caller's session; it never commits. The
relay publishes it after the commit. A trigger on the outbox NOTIFYs the relay; notifications are transactional,
so the relay is woken only on commit.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from gymloop_contracts import Envelope, EventPayload, wrap
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.logging import current_correlation_id
from gymloop_kit.messaging.tables import outbox, outbox_sequence
from gymloop_kit.tracing import current_traceparent

CHUNK = 1000
NOTIFY_CHANNEL = "gymloop_outbox"  # the outbox trigger in tables.py notifies this channel


def _sequence_upsert(counts: Counter[tuple[str, str]]) -> Any:
    """Raise each aggregate's last sequence by its count of new events; returns the new last sequences.
    The row lock taken by the upsert also serialises concurrent writers of one aggregate."""
    values = pg_insert(outbox_sequence).values(
        [{"aggregate_type": t, "aggregate_id": i, "last_sequence": n} for (t, i), n in counts.items()]
    )
    return values.on_conflict_do_update(
        index_elements=[outbox_sequence.c.aggregate_type, outbox_sequence.c.aggregate_id],
        set_={"last_sequence": outbox_sequence.c.last_sequence + values.excluded.last_sequence},
    ).returning(outbox_sequence.c.aggregate_type, outbox_sequence.c.aggregate_id, outbox_sequence.c.last_sequence)


def _numbered(aggregates: list[tuple[str, str]], counts: Counter[tuple[str, str]], rows: Any) -> list[int]:
    """Each aggregate's new numbers, in the order of `aggregates`, from the upsert's returned last sequences."""
    next_free = {(row[0], row[1]): int(row[2]) - counts[(row[0], row[1])] + 1 for row in rows}
    sequences = []
    for key in aggregates:
        sequences.append(next_free[key])
        next_free[key] += 1
    return sequences


def _outbox_row(envelope: Envelope) -> dict[str, Any]:
    return {
        "event_id": envelope.event_id,
        "topic": envelope.topic,
        "partition_key": envelope.partition_key,
        "envelope": envelope.model_dump(mode="json"),
    }


async def reserve_sequences(session: AsyncSession, aggregates: list[tuple[str, str]]) -> list[int]:
    """Per-aggregate sequence numbers for each (aggregate_type, aggregate_id), in order, in one statement."""
    counts = Counter(aggregates)
    return _numbered(aggregates, counts, await session.execute(_sequence_upsert(counts)))


async def add_events(
    session: AsyncSession,
    payloads: Sequence[EventPayload],
    *,
    studio_id: uuid.UUID,
    correlation_id: str | None = None,
) -> list[Envelope]:
    """Queue events in the caller's transaction: two statements per thousand events, however many there are.

    The producer is each event's owning service; the relay publishes them after the commit."""
    envelopes: list[Envelope] = []
    correlation = correlation_id or current_correlation_id()
    for start in range(0, len(payloads), CHUNK):
        # Chunked: one multi-row statement may carry at most 32,767 parameters.
        chunk = payloads[start : start + CHUNK]
        sequences = await reserve_sequences(session, [(p.aggregate_type, p.aggregate_id) for p in chunk])
        traceparent = current_traceparent()  # the span writing the events: the consumers' spans continue it
        wrapped = [
            wrap(
                payload,
                studio_id=studio_id,
                producer=payload.owner,
                correlation_id=correlation,
                traceparent=traceparent,
                sequence=sequence,
            )
            for payload, sequence in zip(chunk, sequences, strict=True)
        ]
        await session.execute(insert(outbox), [_outbox_row(envelope) for envelope in wrapped])
        envelopes += wrapped
    return envelopes  # the outbox trigger sends the NOTIFY that wakes the relay on commit


async def add_restatement(
    session: AsyncSession, payload: EventPayload, *, studio_id: uuid.UUID, sequence: int
) -> Envelope:
    """Queue an event that repeats a fact already published, under that fact's `sequence` (not a new one).

    Every consumer that applies "newer sequence wins" sees nothing new, while one that follows another key
    (e.g. an import row's ref) sees the repeat. The event id is new, so inboxes do not drop it as a
    redelivery. Same outbox row and envelope as `add_events`; only the sequence is given, not reserved."""
    envelope = wrap(
        payload,
        studio_id=studio_id,
        producer=payload.owner,
        correlation_id=current_correlation_id(),
        traceparent=current_traceparent(),
        sequence=sequence,
    )
    await session.execute(insert(outbox), [_outbox_row(envelope)])
    return envelope  # the outbox trigger wakes the relay on commit, as for every other row


async def add_event(
    session: AsyncSession,
    payload: EventPayload,
    *,
    studio_id: uuid.UUID,
    correlation_id: str | None = None,
) -> Envelope:
    """Queue one event in the caller's transaction."""
    (envelope,) = await add_events(session, [payload], studio_id=studio_id, correlation_id=correlation_id)
    return envelope
