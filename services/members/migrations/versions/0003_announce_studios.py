"""Announce every existing studio once: one StudioUpdated (its full state) per studio, through the outbox.

Studios created before StudioUpdated existed were never announced, so billing, bookings and notifications never
learnt their time zones. The events are queued in this migration's transaction; the relay publishes them later, and
the outbox trigger wakes it on commit.

Frozen: the envelope and the StudioUpdated v1 payload are written out below as they were when this revision was
made, not built from the live contracts, so a later change to them cannot change what this revision writes. The rows
are what `add_events` writes: each studio's next per-aggregate sequence (a studio announced before gets the next
number: its full state again, which "newest sequence wins" consumers apply as a no-op), a UUIDv7 event id, and one
correlation id for the whole migration, as one unit of work.
"""

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import uuid_utils.compat as uuid_compat
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENT_TYPE = "StudioUpdated"  # version 1: topic "StudioUpdated", keyed by studio_id
AGGREGATE_TYPE = "studio"
PRODUCER = "members"


def _envelope(studio_id: uuid.UUID, name: str, time_zone: str, sequence: int, correlation_id: str) -> dict:
    return {
        "event_id": str(uuid_compat.uuid7()),
        "event_type": EVENT_TYPE,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "studio_id": str(studio_id),
        "producer": PRODUCER,
        "correlation_id": correlation_id,
        "traceparent": None,
        "aggregate_type": AGGREGATE_TYPE,
        "aggregate_id": str(studio_id),
        "sequence": sequence,
        "payload": {"studio_id": str(studio_id), "name": name, "time_zone": time_zone},
    }


def upgrade() -> None:
    connection = op.get_bind()
    studios = connection.execute(sa.text("SELECT studio_id, name, timezone FROM studio ORDER BY created_at, studio_id"))
    correlation_id = str(uuid.uuid4())
    for studio_id, name, timezone in studios.all():
        sequence = connection.execute(
            sa.text(
                "INSERT INTO outbox_sequence (aggregate_type, aggregate_id, last_sequence) VALUES (:type, :id, 1)"
                " ON CONFLICT (aggregate_type, aggregate_id)"
                " DO UPDATE SET last_sequence = outbox_sequence.last_sequence + 1 RETURNING last_sequence"
            ),
            {"type": AGGREGATE_TYPE, "id": str(studio_id)},
        ).scalar_one()
        envelope = _envelope(studio_id, name, timezone, sequence, correlation_id)
        connection.execute(
            sa.text(
                "INSERT INTO outbox (event_id, topic, partition_key, envelope)"
                " VALUES (:event_id, :topic, :key, CAST(:envelope AS JSONB))"
            ),
            {
                "event_id": uuid.UUID(envelope["event_id"]),
                "topic": EVENT_TYPE,
                "key": str(studio_id),
                "envelope": json.dumps(envelope),
            },
        )


def downgrade() -> None:
    """Nothing to undo: events already queued or published cannot be taken back."""
