"""Announce every studio's billing settings once: one BillingSettingsChanged per studio_billing row, via the outbox.

Settings configured before BillingSettingsChanged existed were never announced, so the importer (collection
method) and the other followers never learnt them. The events are queued in this migration's transaction; the
relay publishes them later.

The events are queued with the kit's `add_events_in_migration` (Alembic gives a synchronous connection;
`add_events` needs an AsyncSession): the same outbox rows and per-aggregate sequences as `add_events`, so a later
event of the same studio gets the next number, and the outbox trigger wakes the relay on commit. A studio announced
before gets the next sequence: its full state again, which "newest sequence wins" consumers apply as a no-op.
"""

import uuid

import sqlalchemy as sa
from alembic import op
from gymloop_contracts.events.billing import BillingSettingsChanged
from gymloop_kit.messaging.outbox import add_events_in_migration

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT studio_id, collection_method, currency, overdue_members_may_book FROM studio_billing"
            " ORDER BY studio_id"
        )
    )
    payloads = [
        BillingSettingsChanged(
            studio_id=studio_id,
            collection_method=collection_method,
            currency=currency,
            overdue_members_may_book=overdue_members_may_book,
        )
        for studio_id, collection_method, currency, overdue_members_may_book in rows
    ]
    # one unit of work: one correlation id, as add_events outside a request
    add_events_in_migration(connection, [(p, p.studio_id) for p in payloads], correlation_id=str(uuid.uuid4()))


def downgrade() -> None:
    """Nothing to undo: events already queued or published cannot be taken back."""
