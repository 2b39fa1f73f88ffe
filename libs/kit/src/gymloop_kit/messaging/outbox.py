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
from sqlalchemy import func, insert, text, update
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


# Numbers each new event within its aggregate and stores it, in one statement: the per-aggregate counters are
# raised (their row locks serialise concurrent writers of one aggregate), each event gets the next free numbers
# in the order given, and the outbox row's envelope carries its number.
_QUEUE_EVENTS = text(
    """
    WITH new_event AS (
        SELECT * FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]), CAST(:partition_keys AS text[]),
                             CAST(:aggregate_types AS text[]), CAST(:aggregate_ids AS text[]),
                             CAST(:envelopes AS text[]))
            WITH ORDINALITY AS e(event_id, topic, partition_key, aggregate_type, aggregate_id, envelope, position)
    ), per_aggregate AS (
        SELECT aggregate_type, aggregate_id, count(*) AS events FROM new_event GROUP BY aggregate_type, aggregate_id
    ), raised AS (
        INSERT INTO outbox_sequence AS s (aggregate_type, aggregate_id, last_sequence)
        SELECT aggregate_type, aggregate_id, events FROM per_aggregate ORDER BY aggregate_type, aggregate_id
        ON CONFLICT (aggregate_type, aggregate_id)
            DO UPDATE SET last_sequence = s.last_sequence + excluded.last_sequence
        RETURNING aggregate_type, aggregate_id, last_sequence
    ), numbered AS (
        SELECT e.event_id, e.topic, e.partition_key, e.envelope, e.position,
               r.last_sequence - p.events
                 + row_number() OVER (PARTITION BY e.aggregate_type, e.aggregate_id ORDER BY e.position) AS sequence
        FROM new_event e
        JOIN per_aggregate p USING (aggregate_type, aggregate_id)
        JOIN raised r USING (aggregate_type, aggregate_id)
    )
    INSERT INTO outbox (event_id, topic, partition_key, envelope)
    SELECT event_id, topic, partition_key, jsonb_set(envelope::jsonb, '{sequence}', to_jsonb(sequence))
    FROM numbered ORDER BY position
    RETURNING event_id, (envelope ->> 'sequence')::bigint
    """
)


async def _queue(session: AsyncSession, envelopes: list[Envelope]) -> list[Envelope]:
    """Store envelopes (their `sequence` still to be given) in the outbox; returns them numbered."""
    numbered = (
        await session.execute(
            _QUEUE_EVENTS,
            {
                "event_ids": [e.event_id for e in envelopes],
                "topics": [e.topic for e in envelopes],
                "partition_keys": [e.partition_key for e in envelopes],
                "aggregate_types": [e.aggregate_type for e in envelopes],
                "aggregate_ids": [e.aggregate_id for e in envelopes],
                "envelopes": [e.model_dump_json() for e in envelopes],
            },
        )
    ).all()
    numbers: dict[uuid.UUID, int] = {event_id: int(sequence) for event_id, sequence in numbered}
    return [e.model_copy(update={"sequence": numbers[e.event_id]}) for e in envelopes]


async def add_events(
    session: AsyncSession,
    payloads: Sequence[EventPayload],
    *,
    studio_id: uuid.UUID,
    correlation_id: str | None = None,
) -> list[Envelope]:
    """Queue events in the caller's transaction: one statement per thousand events, however many there are.

    The producer is each event's owning service; the relay publishes them after the commit."""
    envelopes: list[Envelope] = []
    correlation = correlation_id or current_correlation_id()
    traceparent = current_traceparent()  # the span writing the events: the consumers' spans continue it
    for start in range(0, len(payloads), CHUNK):
        # Chunked: keeps each statement's arrays and its sort of the new sequence rows small.
        unnumbered = [
            wrap(
                payload,
                studio_id=studio_id,
                producer=payload.owner,
                correlation_id=correlation,
                traceparent=traceparent,
                sequence=1,  # replaced by the statement's number
            )
            for payload in payloads[start : start + CHUNK]
        ]
        envelopes += await _queue(session, unnumbered)
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


async def republish_retained(session: AsyncSession) -> int:
    """Queue every retained published row again, for a broker that lost what it held (the dev broker keeps its
    topics in memory). The relay sends them anew in their first order; each consumer's inbox drops the ones it
    already applied, so what was in flight when the broker stopped is delivered and nothing applies twice.
    Rows are kept `outbox_retention_hours`, well inside the inbox retention, so no repeat can outlive its
    inbox row. Returns how many rows were queued."""
    queued = await session.execute(
        update(outbox)
        .where(outbox.c.published_at.is_not(None))
        .values(published_at=None, available_at=func.now(), last_error=None)
    )
    return int(getattr(queued, "rowcount", 0) or 0)
