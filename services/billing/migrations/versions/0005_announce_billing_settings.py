"""Announce every studio's billing settings once: one BillingSettingsChanged per studio_billing row, via the outbox.

Settings configured before BillingSettingsChanged existed were never announced, so the importer (collection
method) and the other followers never learnt them. The events are queued in this migration's transaction; the
relay publishes them later, and the outbox trigger wakes it on commit.

Frozen: the envelope and the BillingSettingsChanged v1 payload are written out below as they were when this revision
was made, not built from the live contracts, so a later change to them cannot change what this revision writes. The
rows are what `add_events` writes: each studio's next per-aggregate sequence (settings announced before get the next
number: their full state again, which "newest sequence wins" consumers apply as a no-op), a UUIDv7 event id, and one
correlation id for the whole migration, as one unit of work.
"""

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import uuid_utils.compat as uuid_compat
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

EVENT_TYPE = "BillingSettingsChanged"  # version 1: topic "BillingSettingsChanged", keyed by studio_id
AGGREGATE_TYPE = "billing_settings"
PRODUCER = "billing"


def _envelope(studio_id: uuid.UUID, payload: dict, sequence: int, correlation_id: str) -> dict:
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
        "payload": payload,
    }


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT studio_id, collection_method, currency, overdue_members_may_book FROM studio_billing"
            " ORDER BY studio_id"
        )
    )
    correlation_id = str(uuid.uuid4())
    for studio_id, collection_method, currency, overdue_members_may_book in rows.all():
        sequence = connection.execute(
            sa.text(
                "INSERT INTO outbox_sequence (aggregate_type, aggregate_id, last_sequence) VALUES (:type, :id, 1)"
                " ON CONFLICT (aggregate_type, aggregate_id)"
                " DO UPDATE SET last_sequence = outbox_sequence.last_sequence + 1 RETURNING last_sequence"
            ),
            {"type": AGGREGATE_TYPE, "id": str(studio_id)},
        ).scalar_one()
        payload = {
            "studio_id": str(studio_id),
            "collection_method": collection_method,
            "currency": currency,
            "overdue_members_may_book": overdue_members_may_book,
        }
        envelope = _envelope(studio_id, payload, sequence, correlation_id)
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
