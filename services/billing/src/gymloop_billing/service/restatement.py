"""Queueing a restatement: an event that repeats a fact already published, under that fact's sequence.

The kit's `add_event` gives every event the next sequence of its aggregate, which tells consumers "this is
newer". A re-imported row must confirm to the importer that its subscription exists (SubscriptionActivated
with the new import_ref), but it changes nothing: with a new sequence, bookings would grant the pack's
credits a second time (it keeps grants per sequence). Repeated under the activation's own sequence, every
consumer that applies "newer sequence wins" (bookings, notifications, billing's own) sees nothing new, and
the importer, which follows rows by import_ref, sees its confirmation. The event id is new, so inboxes
do not drop it as a redelivery.

The same outbox table, envelope and NOTIFY as the kit; only the sequence is chosen instead of reserved.
"""

from __future__ import annotations

import uuid

from gymloop_contracts import Envelope, EventPayload, wrap
from gymloop_kit.logging import current_correlation_id, traceparent_var
from gymloop_kit.messaging.outbox import NOTIFY_CHANNEL
from gymloop_kit.messaging.tables import outbox
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession


async def add_restatement(
    session: AsyncSession, payload: EventPayload, *, studio_id: uuid.UUID, sequence: int
) -> Envelope:
    """Queue `payload` in the caller's transaction as a repeat of the event published with `sequence`."""
    envelope = wrap(
        payload,
        studio_id=studio_id,
        producer=payload.owner,
        correlation_id=current_correlation_id(),
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
